; nasm features real programs use, each checked byte for byte.
; nasm -E differs: nasm -E knows no BITS (its __BITS__ is 0) and no equ.
BITS 32
section .text
%ifidn __OUTPUT_FORMAT__, bin
	db 'b'
%elifidn __OUTPUT_FORMAT__, elf32
	db 'e'
%else
	db '?'
%endif
	db __BITS__, __?BITS?__
%if __NASM_MAJOR__ > 2 || (__NASM_MAJOR__ == 2 && __NASM_MINOR__ >= 15)
	db 'new'
%endif
	dd __NASM_VERSION_ID__
; %ifmacro with parameter counts
%macro two 2
	db %1, %2
%endmacro
%ifmacro two 2
	db 1
%endif
%ifmacro two 1
	db 2
%endif
%ifnmacro two 3-4
	db 3
%endif
; .nolist glued to the count
%macro quiet 0.nolist
	nop
%endmacro
	quiet
; %00 is the label of the call, which is then not defined before it
%macro named 0
%00: db 4
	dd %00
%endmacro
here: named
; a pasted name that is a macro is expanded again
%define ab 7
%define pre a
	db pre %+ b
; equ constants of numbers in %if and %rep
COUNT equ 3
%if COUNT > 2
%rep COUNT
	inc eax
%endrep
%endif
; trailing commas in data and reservations
	db 'readme.txt',
	dd 1, 2,
section .bss
	resb 2,
section .text
; prefixes before data are dropped, before a reservation kept
	es db 5
	fs dw 6
	rep db 7
	__SECT__
	ret
