; -f bin has no symbol table: nasm refuses a defined symbol with
; attributes, not a plain global nor an unused extern with them.
; args: -f bin
global f:function
global g
extern h:function
static s:data
f:      nop
g:      nop
s:      db 1
