; Assorted directives and operand keywords.
; nasm -E differs: nasm expands incbin through a standard macro
; flags: -Iinc/
[bits 32]
global entry
[section .text]
entry:
        jmp short $+2
        jmp near there
        push strict dword 1
        push 1
        push strict byte 1
        add eax, strict dword 5
        mov eax, [dword ebx]
        mov eax, [byte ebx+0]
        mov eax, [ebx+0]
        mov eax, [es:ebx]
        mov al, [cs:0x10]
        movsb
        es movsb
        rep stosd
        repne scasb
        lock xadd [ecx], eax
        o16 ret
        a16 nop
        call there
        jmp [table + ecx*4]
there:  ret
        db 'a' + 1, -1, 0xff
        dw 'abc', 'a'
        dd 'abcde', `a`
        dq 'x'
        incbin "blob.bin"
        incbin "inc/blob.bin"
segment .data
table:  dd entry, there, table + 4, there - entry
alias   equ table + 8
        dd alias
use16
        mov ax, [bx+si+2]
        mov ax, [bp]
use32
section .bss
scratch resb 3
        alignb 16
more    resd 1
section .text
        mov eax, scratch
        mov ebx, more
        mov ecx, alias
section .rodata
        incbin "blob.bin", 2
        incbin "blob.bin", 1, 3
        incbin "blob.bin", 100
