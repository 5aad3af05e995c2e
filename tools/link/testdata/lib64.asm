BITS 64
extern buf
global print, greeting, greeting_len, status, table
section .text
print:                          ; rsi = buffer, edx = length
        mov edi, 1
        mov eax, 1
        syscall
        ret
section .data
greeting:       db "multi-object", 10
greeting_len:   dd $ - greeting
status:         dd 42
section .rodata
align 8
table:          dq buf
