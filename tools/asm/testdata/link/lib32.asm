BITS 32
global print, message, message_len
section .text
print:  mov eax, 4
        mov ebx, 1
        int 0x80
        ret
section .rodata
message: db "from lib", 10
len     equ $ - message
section .data
message_len: dd len
