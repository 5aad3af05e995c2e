; nasm 2.16 reads data operands laxly: after an expression it takes one
; more token for the comma (the stray token is dropped), and a `)' ends
; the list with the rest of the line ignored.
BITS 32
section .data
	db 1 2
	db 1, 2
	db 3 4, 5 6
	db 7 x
	db 8 ), 9
	db 'a' )
	dd 1.5 )
	db 10, )
	dw __utf16__('b') )
	db 11 [
