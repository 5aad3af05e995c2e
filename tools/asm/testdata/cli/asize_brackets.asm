; Address sizes written inside the brackets ([a32 x], [a64 x], [a16 x]) are
; the instruction's a16/a32/a64; mov's moffs forms need the displacement
; size to be the address size (64-bit mode: [qword x] or [a32 x]).
; args: -f bin -w-all
; args: -f elf64 -w-all
; args: -f bin -O0 -w-all
bits 64
a:      mov eax, [a]
        mov rax, [qword a]
        mov eax, [a32 a]
        mov rbx, [a32 a]
        mov rax, [a32 qword a]
        mov al, [a64 a]
        mov bl, [a64 a]
        mov rax, [a64 a]
        mov al, [qword a]
        mov bl, [qword a]
        mov al, [rel qword a]
        mov al, [a32 rel a]
        mov al, [a32 abs qword a]
        mov eax, [a32 dword a]
        a32 mov eax, [a32 a]
        mov [a32 a], eax
        mov [qword a], rax
        mov al, [qword 0xaaaaaaaaaaaaaaaa]
        lea eax, [a32 ebx+4]
bits 32
        mov eax, [a16 a]
        mov eax, [a16 bx]
        mov eax, [a32 a]
        mov ax, [a16 word 4]
bits 16
        mov ax, [a32 a]
        mov ax, [a32 eax]
        mov ax, [a16 a]
