; Every equ name is a symbol in nasm's ELF objects: a constant (or a
; difference, `-$`, a multiple) is absolute; an equ that counts a
; label once lies in that label's section at the constant part; one
; that counts an external is undefined, value 0, and stays local. An
; equ name is no base for the dot-local labels after it.
; args: -f elf64
; args: -f elf32
%define NOTASYMBOL 5
extern ext
global GK, GL
K equ 42
GK equ 7
X1 equ ext
X2 equ ext + 4
section .data
Msg: db "hello", NOTASYMBOL
Msg.len: equ $ - Msg
.loc: db 1
Lab2 equ Msg + 2
GL equ Msg + 3
Lab3 equ Msg.len * 2
Negv equ -1
Big equ 0x123456789
Diff equ Lab2 - Msg
Late equ Fwd
Self equ -Msg
Twice equ Lab2 * 2
Rel1 equ Fwd - Msg
section .text
nop
Fwd: nop
.dot equ 9
Back equ Fwd - 0x10
Start equ $$
absolute 0x100
abs1: resb 2
abs2 equ abs1 + 1
section .bss
bss1 resb 4
bss2 equ bss1 + 1
section .text
        call X1
        mov eax, [X2]
        dd Lab2, Msg.loc
