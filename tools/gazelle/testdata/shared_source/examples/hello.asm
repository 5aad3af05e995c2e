BITS 32
global _start
_start:
 mov eax, 1
 xor ebx, ebx
 int 0x80
