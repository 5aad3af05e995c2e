; `N dup' with nothing after it: nasm warns that the line has no operand.
; args: -f bin
	db 1
	db 2 dup
	db 3
