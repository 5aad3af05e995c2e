global _start
_start:
    mov eax, 60
    xor edi, edi
    syscall
section .data
logo: incbin "logo.bin"
icon incbin "icon.bin", 0, 16
%include "lib/art/art.inc"
