; A struc inside a struc (here after a misspelt endstruc, as in real code):
; nasm's struc is a context push, so the inner one starts afresh at its own
; base, and its endstruc returns to the section before the outer struc.
; bin-only
BITS 32
struc OUTER
.a resd 1
enstruc
struc INNER, 8
.b resw 1
.c resb 3
endstruc
struc LAST
.d resq 1
endstruc
        dd OUTER.a, INNER.b, INNER.c, INNER_size, LAST.d, LAST_size
        mov eax, [ebx+INNER.c]
