; An equ made global with a size expression nasm cannot evaluate (a word
; it does not know, such as 2.16's missing gnu_ifunc, or an undefined
; name) is written without a size and without an error; a forward
; reference is evaluated at the end.
; args: -f elf64
	section .text
	global impl:function, ifunc:function
impl:	ret
ifunc:	lea rax, [rel impl]
	ret
	global foo:gnu_ifunc
foo	equ ifunc
	global y:data zz-yy
y	equ 5
	global y2:data undefd
y2	equ 5
	global y3:data 3 nope
y3	equ 5
yy:	ret
zz:	ret
