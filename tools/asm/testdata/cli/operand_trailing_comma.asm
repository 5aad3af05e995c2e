; nasm 2.16 ignores a comma after the last operand (a macro's empty last
; parameter: `imul rax, rcx, %3'); an empty first operand is an error.
; args: -f bin
BITS 64
        imul rax, rcx,
        mov eax, 1,
        push 1,
        mov eax, [rax],
        imul rax,
        add eax,
        mov eax,,1
        nop,
