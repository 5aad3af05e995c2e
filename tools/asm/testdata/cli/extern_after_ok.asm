; An extern after the definition of a name at offset 0 (or equal to 0)
; is accepted and makes the name global.
; args: -f elf64
at0: nop
        extern at0
zero equ 0
        extern zero
        call at0
