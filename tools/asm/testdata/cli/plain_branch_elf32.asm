; A branch to a plain address in ELF32: nasm relocates it against no
; symbol (ELF symbol 0), the addend in the field (travis mpx's
; `bnd jmp near 0').
; args: -f elf32
bits 32
        nop
        jmp near 0
        call 0x1000
        jz near 0x20
        bnd jmp near 0
