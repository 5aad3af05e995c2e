; The float functions take literals in every radix.
; nasm -E differs: nasm leaves the float functions to the assembler.
BITS 32
section .data
	dd __float32__(0x1.8p1), __float32__(0q1.4p1), __float32__(-0b1.1p1), __float32__($1.8p1)
	dw __float16__(0d1.5), __?bfloat16?__(0x1.fcp0), __float16__(0x1p-25)
	dq __float80m__(0t1.5e3), __float128h__(0y1.1p-1)
section .text
	mov eax, __float32__(0h1.8p-1)
	mov ax, __float16__(0x1p-14)
	ret
