; Hello World for x86-64 Linux: write(1, msg, len) then exit(0), with syscall.
BITS 64
default rel

section .data
msg:    db "Hello World", 10
len     equ $ - msg

section .text
global _start
_start:
        mov eax, 1          ; sys_write
        mov edi, 1          ; stdout
        lea rsi, [msg]
        mov edx, len
        syscall
        mov eax, 60         ; sys_exit
        xor edi, edi
        syscall
