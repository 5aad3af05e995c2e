; Only .bss, no .data: fill a reserved buffer and print it.
BITS 64
section .text
global _start
_start:
        mov ecx, 7
        lea rdi, [rel buf]
        mov al, 'z'
        rep stosb
        mov byte [rel buf+7], 10
        mov edi, 1
        lea rsi, [rel buf]
        mov edx, 8
        mov eax, 1
        syscall
        mov edi, [rel big+65532]        ; still zero, deep into a large .bss
        mov eax, 60
        syscall
section .bss
buf:    resb 8
big:    resb 65536
