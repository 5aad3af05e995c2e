; GOT-relative references (mov, call, jmp through R_X86_64_GOTPCREL), relaxed by a static link.
BITS 64
default rel
extern msg, write, exit
global _start
section .text
_start:
        mov rsi, [msg wrt ..got]
        mov edx, 4
        call [write wrt ..got]
        mov edi, 5
        jmp [exit wrt ..got]
