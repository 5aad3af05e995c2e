; A branch to a plain address in ELF64: nasm writes no relocation, only
; the displacement's addend in place (travis mpx-64's `bnd jmp near 0').
; args: -f elf64
bits 64
        nop
        jmp near 0
        call 0x1000
        jz near 0x20
        bnd jmp near 0
