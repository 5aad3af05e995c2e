; Several sections with explicit attributes and alignment (bin layout).
BITS 32
section .text
        mov eax, dat
        mov ebx, ro
        mov ecx, bss1
        ret
section .data align=16
dat:    db 1, 2, 3
section .rodata
ro:     db "ro"
section mysec progbits alloc align=8
        db 0xab
section .bss
bss1:   resb 16
section .text
        jmp dat
