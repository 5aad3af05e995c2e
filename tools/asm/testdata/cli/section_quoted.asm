; A quoted section name keeps its quotes, as in nasm 2.16: `section ".text"`
; is a section of its own, with the flags of an unknown name.
; args: -f bin
; args: -f elf32
; args: -f elf64
        db 0
section ".text"
        db 1
section `.foo`
        db 2
section .text
        db 3
section '.data'
        db 4
