; -f bin truncates a branch to a plain number out of its field's reach
; without a word, as nasm does (a short jump to a label is an error).
; args: -f bin
BITS 16
        jmp short 0x1000
        loop 0x1000
        jcxz 0x300
        call 0x20000
BITS 32
        jmp short 0x1000
        jecxz 0x100
