BITS 64
global print, message, message_len
section .text
print:  mov eax, 1
        mov edi, 1
        syscall
        ret
section .rodata
message: db "from lib", 10
len     equ $ - message
section .data
message_len: dd len
