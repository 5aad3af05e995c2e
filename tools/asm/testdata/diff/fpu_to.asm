; x87 arithmetic with nasm's `to' operand keyword: the result goes to the
; register (dc c0+r and friends), as with `st1, st0'.
%macro all 0
	fadd to st1
	fmul to st2
	fsub to st3
	fsubr to st4
	fdiv to st5
	fdivr to st7
	fadd TO st0
	fadd st1, st0
	fadd st1
%endmacro
BITS 16
	all
BITS 32
	all
BITS 64
	all
