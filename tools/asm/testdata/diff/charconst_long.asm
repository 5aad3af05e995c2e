; A string of more than 8 bytes in an expression: its first 8 bytes, with
; nasm's warning (also through __utf16__); alone in data it is bytes.
BITS 64
section .data
	dw 'abcdefghij' + 1
	dq 'abcdefghi' - 'abcdefghj', 'abcdefghijk'
	db 1, 'abcdefghijk'
section .text
	mov rax, 'abcdefghi'
	mov rax, __utf16__('abcde')
	mov rax, 'abcdefghi' + 'abcdefghi'
	nop
%if 'abcdefghi' = 'abcdefgh'
	nop
%endif
