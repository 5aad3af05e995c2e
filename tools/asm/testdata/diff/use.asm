; %use packages and %defalias, as nasm 2.16 has them.
; nasm -E differs: nasm evaluates ilog2 and the float functions in the assembler.
BITS 32
%use altreg
%use 'ifunc'
%use fp
%use altreg
%ifdef __?USE_ALTREG?__
	mov r0d, r1d
	mov r3h, r2b
	mov r6w, r7w
%endif
	db ilog2(8), ilog2e(16), ilog2f(9), ilog2c(9), ilog2c(1), ilog2f(0)
%assign k ilog2(64)
	db k
	dd float32(1.5), Inf, NaN, SNaN
	dw bfloat16(2.5)
	bf16 1.5, -2.5
%defalias OLD NEW
%define NEW 123
	dw OLD
%undef OLD
%ifndef NEW
	db 'undefined through the alias'
%endif
%define OLD 4
	db NEW
%ifdefalias OLD
	db 'alias'
%endif
%undefalias OLD
%ifndefalias OLD
	db 'gone'
%endif
	ret
