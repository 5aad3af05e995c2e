; %{$name} is %$name; a context-local single-line macro written against
; a word expands before the two are joined, as in nasm (br3005117).
; args: -f bin
%macro record 1-*
%push rec
%define %$name %1
%%top_%$name:
%rep %0 - 1
%rotate 1
	resb %{$name}%1 - ($ - %%top_%$name)
%1:
%endrep
	resb %{$name}_size - ($ - %%top_%$name)
%pop
%endmacro
struc pt
.x	resw 1
.y	resd 1
endstruc
	mov ax, [p.y]
section .bss
p	record pt, .x, .y
plen	equ $ - p
section .text
	dw plen
