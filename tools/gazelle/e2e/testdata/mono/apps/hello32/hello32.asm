; The same greeting for i386, with int 0x80.
BITS 32
%include "linux32.inc"

section .data
%include "apps/hello/greeting.inc"

section .text
global _start
_start:
        mov eax, SYS32_write
        mov ebx, 1
        mov ecx, msg
        mov edx, msg_len
        int 0x80
        mov eax, SYS32_exit
        xor ebx, ebx
        int 0x80
