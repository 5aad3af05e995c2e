; Multi-object x86-64 program: PC-relative, PLT, 32-bit and 64-bit absolute references.
BITS 64
extern print, greeting, greeting_len, status, table
global _start
section .text
_start:
        lea rsi, [rel greeting]
        mov edx, [rel greeting_len]
        call print wrt ..plt
        mov rsi, greeting               ; R_X86_64_64
        mov edi, buf                    ; R_X86_64_32
        mov ecx, 5
        rep movsb
        mov byte [rel buf+5], 10
        mov rax, [rel table]            ; table holds the address of buf
        mov rsi, rax
        mov edx, 6
        call print
        mov edi, [rel status]
        mov eax, 60
        syscall
section .bss
global buf
buf:    resb 64
