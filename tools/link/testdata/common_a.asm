; Tentative (COMMON) definitions shared by two objects, like C's `int x;` with -fcommon.
BITS 32
common shared 16:4
extern fill
global _start
section .text
_start:
        call fill
        mov ecx, shared
        mov edx, 4
        mov ebx, 1
        mov eax, 4
        int 0x80
        xor ebx, ebx
        mov eax, 1
        int 0x80
