; Sizes nasm has no branch form for.
; args: -f bin
BITS 16
        jmp qword x
BITS 32
        call qword x
        jz dword x
        jmp dword short x
        jmp byte x
BITS 64
        jmp dword x
        call word x
        jmp long x
x:
