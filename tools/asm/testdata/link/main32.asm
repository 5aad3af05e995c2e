; Calls into lib32.asm through externs; data references across objects.
BITS 32
extern print, message, message_len
global _start
section .text
_start:
        mov ecx, message
        mov edx, [message_len]
        call print
        mov eax, [table]
        cmp eax, [table + 4]
        jne .bad
        mov eax, 1
        mov ebx, [code]
        int 0x80
.bad:   mov eax, 1
        mov ebx, 99
        int 0x80
section .data
table:  dd print, print
code:   dd 7
pcrel:  dd print - $
