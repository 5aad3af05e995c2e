; Several global symbols at one address: nasm's `wrt ..sym', `..got' and
; elf64's `..plt' pick one by the shape of its symbol tree, which depends
; on the order the symbols are defined in (labels and equs alike, made
; global before or after).
; args: -f elf32
; args: -f elf64
	global a0, a1, b0, b1, b2, c0, c1, c2, c3
	section .text
top:
a0:
a1:	nop
b0:
b1:
b2:	nop
c0:
c1	equ $
c2:
c3:
d0:
d1:	nop
e0:
e1:
e2:
e3:
e4:	nop
	global d0, d1, e0, e1, e2, e3, e4
	section .data
%assign i 0
%rep 4
	dd top+i wrt ..sym
	dd top+i wrt ..got
 %assign i i+1
%endrep
	dd top+4 wrt ..sym
	dd top+5 wrt ..sym
%if __BITS__ == 64
	call a0 wrt ..plt
	call c2 wrt ..plt
	call e3 wrt ..plt
%endif
