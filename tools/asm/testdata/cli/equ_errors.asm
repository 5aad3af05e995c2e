; nasm's rule for what an equ may hold: one section or external counted
; once, and at most one subtraction of the equ's own section.
; args: -f elf32
; args: -f elf64
section .data
d1: db 0
section .text
t1: nop
ok1 equ d1 - t1
bad1 equ d1 + t1
bad2 equ -d1
section .bss
bad3 equ d1 - t1
