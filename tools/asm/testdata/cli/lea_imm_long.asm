; nasm's `lea reg, value' (the value is an address: [value], RIP-relative
; under default rel) and `long', nasm's other name for dword.
; args: -f bin
; args: -f elf64
bits 64
x:      lea rsi, x
        lea rax, 5
        lea esi, x+4
        lea rsi, byte 5
        default rel
        lea rsi, x
        default abs
        mov eax, long 5
        mov long [rax], 1
        mov eax, [long x]
bits 32
        lea esi, x
        lea ax, 5
        jmp long x
        call long x
        push long 5
bits 16
        lea ax, 5
        jmp long x
