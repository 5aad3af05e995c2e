; Calls into lib64.asm through externs; data references across objects.
BITS 64
default rel
extern print, message, message_len
global _start:function
section .text
_start:
        lea rsi, [message]
        mov rdx, [message_len_ptr]
        mov edx, [rdx]
        call print
        mov rax, [table]
        mov rbx, [table + 8]
        sub rax, rbx
        jnz .bad
        mov eax, 60
        mov edi, [code]
        syscall
.bad:   mov eax, 60
        mov edi, 99
        syscall
section .data
message_len_ptr: dq message_len
table:  dq print, print
code:   dd 7
pcrel:  dd print - $
