; i386 Linux: print a greeting with write(2) and leave with exit(0).
BITS 32

section .data
greeting: db "Hello World", 10
size      equ $ - greeting

section .text
global _start
_start:
        mov eax, 4              ; write
        mov ebx, 1              ; to stdout
        mov ecx, greeting
        mov edx, size
        int 0x80
        mov eax, 1              ; exit
        xor ebx, ebx            ; with status 0
        int 0x80
