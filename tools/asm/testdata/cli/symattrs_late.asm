; Attributes nasm refuses once every label is known, at the line that
; defines the symbol: weak on a local, a size naming nothing (nasm
; evaluates the special text less its first word again: `gnu_ifunc'
; alone is a syntax error in 2.16), a relocatable size, a common
; alignment that is not a power of two.
; args: -f elf64
static loc:weak
global c:function x
global d:gnu_ifunc
global e:function e
global f:internal function
loc:    nop
c:      nop
d:      nop
e:      nop
f:      nop
global h:function 4 + h
h:      nop
common c3 4:3
common c4 4:object
