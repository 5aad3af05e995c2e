; x86-64 hello: write(1, msg, len) then exit(0) with syscall.
BITS 64
default rel
section .rodata
msg:    db `Hello World\n`
len:    equ $ - msg

section .text
global _start
_start:
        mov eax, 1              ; write
        mov edi, 1
        lea rsi, [msg]
        mov edx, len
        syscall
        mov eax, 60             ; exit
        xor edi, edi
        syscall
