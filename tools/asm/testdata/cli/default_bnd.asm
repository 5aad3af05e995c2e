; nasm's `default bnd': bnd on every near jmp, call, ret and jcc without bnd
; or nobnd of its own (in rep's place; not on short jumps), until
; `default nobnd'.
; args: -f bin
; args: -f bin -O0
bits 64
default bnd
x: rep ret
jmp short x
jz x
loop x
call [rax]
ret 4
bnd ret
jmp rax
mov eax,1
lock add [rax],eax
rep
jmp far [rax]
retf
jz near x
default nobnd
ret
