; _start for the gcc-compiled render() (cdecl).
BITS 32
extern render, counter
global _start
section .text
_start:
        push 5
        push buf
        call render
        add esp, 8
        mov edx, eax
        mov ecx, buf
        mov ebx, 1
        mov eax, 4
        int 0x80
        mov ebx, [counter]
        mov eax, 1
        int 0x80
section .bss
buf:    resb 32
