; nasm 2.16's data forms: `N dup item', `N dup (list)' (nested), `%(list)',
; a size before an operand or a group; `?' operands in a row are one run
; (one zeroing warning), the copies of a dup are not.
; args: -f bin
; args: -f elf32
	bits 32
here:
	db 3 dup (1, 2), 3
	db 2 dup (3 dup (4), 5)
	db %(6, 7), %('ab', 'c'), ('AA')
	dw 2 dup (byte 8, 9), 'xyz'
	dd word 10, byte 11, 2 dup dword (?, word ?)
	db ?, ?, 12, ?, 2 dup (?), 2 dup (?)
	dw 3 dup ('abc')
	dd 2 dup (here, $ - here)
	db 0 dup (1), 2 dup 13
	dd 2 dup (1.5)
section .bss
	db 4 dup (?)
	dw 2 dup (?, ?)
