; nasm's x87 registers take no size keyword: each of these is an error.
; args: -f bin
bits 32
	fadd dword st1
	fld tword st1
	fadd st0, dword st1
	fadd to qword st1
	fcom word st2
	fadd to st1
