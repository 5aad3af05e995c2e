; echo for x86-64 Linux: walks argv on the initial stack, strlen in a loop.
; nasm -E differs: nasm implements struc as a standard macro
; run-args: hello tiny world
; run: hello tiny world\n
BITS 64
default rel
struc stackframe
.argc:  resq 1
.argv:  resq 1
endstruc

section .text
global _start
_start:
        mov r12, [rsp + stackframe.argc]
        lea r13, [rsp + stackframe.argv]
        mov r14, 1                      ; argv index
.arg:   cmp r14, r12
        jae .done
        cmp r14, 1
        je .first
        lea rsi, [space]
        mov edx, 1
        call write
.first: mov rsi, [r13 + r14*8]
        mov rdi, rsi
        xor ecx, ecx
.len:   cmp byte [rdi + rcx], 0
        je .got
        inc rcx
        jmp .len
.got:   mov rdx, rcx
        call write
        inc r14
        jmp .arg
.done:  lea rsi, [newline]
        mov edx, 1
        call write
        mov eax, 60
        xor edi, edi
        syscall

; write(1, rsi, rdx)
write:  mov eax, 1
        mov edi, 1
        syscall
        ret

section .rodata
space:   db ' '
newline: db `\n`
