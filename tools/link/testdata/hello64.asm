; The x86-64 equivalent of the seed program: write(1, ...) then exit(0) via syscall.
BITS 64
section .data
msg:    db "Hello World", 10
len     equ $ - msg

section .text
global _start
_start:
        mov edx, len
        mov esi, msg
        mov edi, 1
        mov eax, 1
        syscall
        xor edi, edi
        mov eax, 60
        syscall
