; __PASS__ is 2 in what nasm writes (its final pass) and 3 when only
; preprocessing.
; args: -f bin
; args: -f bin -E
	db __PASS__, __?PASS?__
%assign p __PASS__
	db p
%if __PASS__ = 2
	db 'final'
%endif
