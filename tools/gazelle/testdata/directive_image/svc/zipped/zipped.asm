; write(1, msg, len) then exit(0)
BITS 64
global _start
section .text
_start:
    mov eax, 1
    mov edi, 1
    lea rsi, [rel msg]
    mov edx, len
    syscall
    mov eax, 60
    xor edi, edi
    syscall
section .data
msg: db "Hello World", 10
len equ $ - msg
