; x86-64 addressing: REX registers, SIB, RIP-relative, sizes.
BITS 64
default rel
section .text
global _start
_start:
        mov rax, [rbx + rcx*8 + 16]
        mov r8d, [r12]
        mov r9, [r13 + 0x100]
        mov [rsp + 8], r15
        mov byte [rbp], 1
        mov word [rax + rax], 2
        mov dword [rax*2], 3
        mov qword [var], 4
        lea rdi, [var + 8]
        lea rsi, [abs 0x1000]
        mov al, [rel var]
        mov eax, [fs:0x28]
        add rax, 1
        add rax, 1000
        sub r10b, 5
        imul rax, rbx, 12
        shl r11, 3
        push r12
        pop r12
        cmp qword [rdi], -1
        movzx eax, byte [rsi + r8]
        movsx rax, word [rdi]
        movsxd rax, dword [rdi]
        xchg rax, rbx
        test [var], eax
        lock inc dword [rdi]
        rep movsb
        jmp .x
.x:     call [rax]
        ret
section .data
var:    dq 0, 0
section .bss
buf:    resb 64

section .note.GNU-stack noalloc noexec nowrite progbits
