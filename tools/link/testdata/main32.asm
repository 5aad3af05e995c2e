; Multi-object i386 program: code, data and .bss references across objects.
BITS 32
extern print, greeting, greeting_len, status
global _start
section .text
_start:
        mov ecx, greeting
        mov edx, [greeting_len]
        call print
        mov esi, greeting
        mov edi, buf
        mov ecx, 5
        rep movsb
        mov byte [buf+5], 10
        mov ecx, buf
        mov edx, 6
        call print
        mov ebx, [status]
        mov eax, 1
        int 0x80
section .bss
buf:    resb 64
