; loop and jcxz have only a short form: they reach any target with it, a
; number, an external or another section (nasm's PC8 relocation), as
; `jmp short' does.
; args: -f bin
; args: -f elf32
BITS 32
%ifidn __?OUTPUT_FORMAT?__, bin
        loop 0x55
        jcxz 0x55
        jecxz 0x55
        loopnz 0x55
        jmp short 0x55
%else
extern ext
        loop ext
        jecxz ext
        jmp short ext
section .data
        db 0
section .text
data:   loope data
%endif
