BITS 32
global print, greeting, greeting_len, status
section .text
print:                          ; ecx = buffer, edx = length
        mov ebx, 1
        mov eax, 4
        int 0x80
        ret
section .data
greeting:       db "multi-object", 10
greeting_len:   dd $ - greeting
status:         dd 42
