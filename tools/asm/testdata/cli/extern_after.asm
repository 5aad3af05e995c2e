; An extern after the name's definition: nasm takes it as offset 0 of
; the symbol's section (and makes the symbol global), an error unless
; the symbol is there.
; args: -f elf64
; args: -f elf32
at0: nop
        extern at0
zero equ 0
        extern zero
moved: nop
        extern moved
five equ 5
        extern five
