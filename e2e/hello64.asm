; x86-64 Linux: the same greeting through the syscall instruction.
BITS 64
default rel

section .data
greeting: db "Hello World", 10
size      equ $ - greeting

section .text
global _start
_start:
        mov eax, 1              ; write
        mov edi, 1              ; to stdout
        lea rsi, [greeting]
        mov edx, size
        syscall
        mov eax, 60             ; exit
        xor edi, edi            ; with status 0
        syscall
