; nasm's `float' directive: rounding (near, up, down, zero), denormals as
; zero (daz, nodaz), default; for data and the float functions alike.
; nasm -E differs: nasm leaves the float functions to the assembler.
BITS 32
section .data
	float zero
	dd 1.1, -1.1
	dq __float64__(1.1)
	float up
	dd 1.1, -1.1, 0x1.000001p0, 0x1.0000008p0
	dt 1.1, -1.1
	[float down]
	dd 1.1, -1.1
	do 1.1, -1.1
	float near
	dd 1.1, -1.1
	float daz
	dd 1e-40, 0x1p-130
	dq 1e-310
	float nodaz
	dd 1e-40
	float zero
%rep 2
	dd 1.3
	float default
%endrep
	dd __float32__(1.1)
	x: float up
	dw 1.1
	FLOAT DEFAULT
