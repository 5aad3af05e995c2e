; ELF32 relocates 32 bits: a relocated qword is zero-extended from its low
; half, with nasm's warning, plain or with a WRT form; a PC-relative qword
; is refused (-DSIGNED).
; args: -f elf32
; args: -f elf32 -DSIGNED
	extern ext
	global g
	section .text
g:	dq ext
	dq g
	dq ext+4 wrt ..sym
	dq ext wrt ..got
	dq g+2 wrt ..gotoff
	bits 64
	mov rax, ext
	mov rax, qword g+8
%ifdef SIGNED
	dq ext - $
%endif
