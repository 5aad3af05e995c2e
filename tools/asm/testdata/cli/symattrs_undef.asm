; A size naming an undefined symbol: nasm 2.16 evaluates the special
; text less its first word again when it writes the symbol, and reports
; that (a syntax error when nothing is left).
; args: -f elf64
global c:function x
global d:gnu_ifunc
global f:internal function
c:      nop
d:      nop
f:      nop
