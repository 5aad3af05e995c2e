; `$', `$$' and labels defined before the line in %if, %assign and %rep
; have the values of the pass nasm's preprocessor runs in: with forward
; jumps, those depend on the optimisation level. A label defined after
; the line is an error there, as in nasm.
; args: -f bin -O0
; args: -f bin -Ox
; args: -f bin -O0 -DCHECK
; args: -f bin -O0 -DSTOP
; args: -f bin -DFORWARD
; args: -f elf64 -Ox
start:
%rep 40
	jmp near_end
%endrep
near_end:
%assign used $ - $$
%assign jumps near_end - start
%if used > 100
	db 'long', used, jumps
  %ifdef CHECK
	%warning jumps are long: used bytes
  %elifdef STOP
	%fatal out of room at used bytes
  %endif
%else
	db 'short', used
%endif
%rep ($ - start) / 64
	db 0xee
%endrep
msg:	db 'hi'
%assign msglen $ - msg
	dw msglen
%ifdef FORWARD
%if later > 0
	db 1
%endif
%endif
later:
