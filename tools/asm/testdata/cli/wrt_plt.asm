; `wrt ..plt` on a call and inside a memory operand (an address taken
; through the PLT, as C-calling code that is linked -pie does).
; args: -f elf64
default rel
extern printf
section .text
global f
f:
    lea r15, [rel printf wrt ..plt]
    lea rax, [printf wrt ..plt]
    call printf wrt ..plt
    mov rax, [rel printf wrt ..plt]
    jmp printf wrt ..plt
