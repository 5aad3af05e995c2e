; nasm's ELF64 has no relocation for a branch to a plain number: the
; field holds the number less its distance to the instruction's end.
; args: -f elf64
BITS 64
        nop
        jmp short 0x55
        call 0x55
        jmp 0x1234
        jz 0x100
        loop 0x10
        call ext
extern ext
