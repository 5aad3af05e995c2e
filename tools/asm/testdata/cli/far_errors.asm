; Far pointers nasm refuses: a size other than word/dword, two sizes
; that differ, near/short/far on the pointer, any in 64-bit mode.
; args: -f bin
bits 32
x:      jmp byte 8:x
        jmp qword 8:x
        jmp near 8:x
        jmp short 8:x
        jmp far 8:x
        jmp word 8:dword x
        jmp 8:near x
bits 64
        jmp 8:x
        call 8:x
