; nasm's warnings for %elif or %else after %else (the branch is skipped),
; for anything after %else and %endif, and for a negative %rep count
; (the block runs no times); none inside a skipped block.
; args: -f bin
%if 0
	db 1
%else junk
	db 2
%elif 1
	db 3
%endif junk
%if 1
	db 4
%else
	db 5
%else
	db 6
%endif
%if 0
  %if 1
	db 7
  %else
	db 8
  %else x
	db 9
  %elif 1
  %endif x
%endif
%rep -3
	db 10
%endrep
	db 11
