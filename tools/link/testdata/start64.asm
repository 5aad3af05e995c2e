; _start for the gcc-compiled render() (System V AMD64 ABI).
BITS 64
extern render, counter
global _start
section .text
_start:
        mov edi, buf
        mov esi, 5
        call render
        mov edx, eax
        mov esi, buf
        mov edi, 1
        mov eax, 1
        syscall
        mov edi, [rel counter]
        mov eax, 60
        syscall
section .bss
buf:    resb 32
