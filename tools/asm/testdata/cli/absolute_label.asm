; `absolute label+n' with a label defined before: the space's labels are
; in the label's section, and move with it; %ifmacro sees the directives
; nasm defines as standard macros.
; args: -f bin
; args: -f elf64
%ifmacro section
	db 1
%endif
%ifmacro absolute 1
	db 2
%endif
%ifmacro use16 1
	db 3
%endif
%ifmacro org
	db 4
%endif
%ifmacro osabi
	db 5
%endif
	jmp there
	times 20 nop
buf:
	times 16 db 0
there:
	mov [f1], al
	mov [f2], ax
	ret
	absolute buf+4
f1:	resb 1
f2:	resw 2
%if $ - buf != 9
%error wrong
%endif
