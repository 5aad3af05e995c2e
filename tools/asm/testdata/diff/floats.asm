; Floating-point data in every format nasm has, and its float functions.
; nasm -E differs: nasm evaluates __floatN__() in the assembler, not in -E.
BITS 32
section .data
	db 1.5, -0.5, 300.0, 1e-3
	dw 1.5, 65504.0, -0.0, __?QNaN?__
	dd 1.5, -2.5e-10, 3.4028235677973366e38, __Infinity__, __SNaN__
	dq 3.141592653589793, 0x1.8p1, 1e-320, -__Infinity__
	dt 1.5, -1.5, 1.0e4000, 3.6451995318824746025e-4951, __?QNaN?__
	do 3.141592653589793238462643383279, -2.5e-10, 1e-4960
	dt "ab", ?
	do "abc"
	dd __float32__(1.5), __?float32?__(-1.5)
	dw __float16__(1.5), __float80e__(1.5)
	dq __float64__(0x1.8p1), __float80m__(1.5), __float128l__(1.5), __float128h__(1.5)
	db __float8__(-0.5)
section .text
	mov eax, __float32__(1.5)
	ret
