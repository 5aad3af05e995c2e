; x86-64 position-independent style without GOT slots: the GOT address
; via R_X86_64_GOTPC32 (as libraries built with nasm compute it) and via
; lea of _GLOBAL_OFFSET_TABLE_, data via R_X86_64_GOTOFF64.
BITS 64
extern _GLOBAL_OFFSET_TABLE_
global _start
section .text
_start:
        call .here
.here:  pop rbx
        add rbx, _GLOBAL_OFFSET_TABLE_ + $$ - .here wrt ..gotpc
        mov rsi, msg wrt ..gotoff
        add rsi, rbx
        lea r15, [rel _GLOBAL_OFFSET_TABLE_]
        mov rdx, len wrt ..gotoff
        mov rdx, [r15 + rdx]
        mov edi, 1
        mov eax, 1
        syscall
        xor edi, edi
        mov eax, 60
        syscall
section .data
msg:    db "pic", 10
len:    dq 4
