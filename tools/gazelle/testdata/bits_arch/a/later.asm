global _start
_start:
    mov eax, 60
    xor edi, edi
    syscall
BITS 32 ; stated after code: still the first BITS
