; org and %if take equ constants defined before them; nasm's -f elf has no org.
; bin-only
; nasm -E differs: nasm -E knows no equ.
BASE equ 0x100
LOAD equ BASE + 0x7b00
org LOAD
%if BASE == 256
	db 1
%endif
start:
	jmp start
	dw start
