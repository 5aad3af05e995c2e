; Two different prefixes of one kind conflict, with or without an
; instruction; 64-bit sizes need BITS 64, 16-bit addresses are not in it.
; args: -f bin
BITS 32
        rep repne
        cs ds
        o16 o32
        rep repne movsb
        o16 o32 nop
        a64
        o64
BITS 64
        a16
