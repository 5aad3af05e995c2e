; Hello World for i386 Linux: write(1, msg, len) then exit(0), with int 0x80.
BITS 32

section .data
msg:    db "Hello World", 10
len     equ $ - msg

section .text
global _start
_start:
        mov edx, len
        mov ecx, msg
        mov ebx, 1          ; stdout
        mov eax, 4          ; sys_write
        int 0x80
        mov ebx, 0          ; status 0
        mov eax, 1          ; sys_exit
        int 0x80
