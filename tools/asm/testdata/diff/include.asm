; %include searched in the -I directories; flags below are read by the test.
; flags: -Iinc
BITS 32
%include "defs.inc"
section .text
global _start
_start:
        mov ebx, STDOUT
        mov ecx, msg
        mov edx, msglen
        sys SYS_WRITE
        xor ebx, ebx
        sys SYS_EXIT
section .data
msg:    db "included", 10
msglen  equ $ - msg
