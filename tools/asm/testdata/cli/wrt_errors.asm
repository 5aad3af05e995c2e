; What nasm refuses among the WRT forms, in its words: sizes a form does
; not have, PC-relative forms of absolute-only ones, a global symbol that
; is not there, and the names outside the ELF formats.
; args: -f elf32
; args: -f elf64
; args: -f elf32 -DGSYM
; args: -f elf64 -DGSYM
; args: -f bin -DBIN
; args: -f elf64 -DNAME
%ifdef NAME
	extern ext
	global g1
g1:	dd ext wrt ..foo
	dd ext wrt g1
	dd ext wrt ..GOT
%elifdef BIN
here:	dd here wrt ..got
	call here wrt ..plt
	mov eax, [here wrt ..gotoff]
%elifdef GSYM
	extern ext
	global g1
	section .text
	nop
g1:	nop
loc:	nop
	dd loc wrt ..got
	dw ext wrt ..got
	dd g1+1 wrt ..got
	dd $$ wrt ..sym
	section .data
	dd loc wrt ..got
	dd g1 wrt ..got
 %if __BITS__ == 64
	call loc wrt ..plt
	mov rax, [rel g1+1 wrt ..got]
 %endif
%else
	extern ext
	global g1
	section .text
g1:	nop
	dd ext+4 wrt ..got
	dw ext wrt ..got
	dd ext wrt ..plt
 %if __BITS__ == 32
	dd ext+4 wrt ..tlsie
	dd ext wrt ..gottpoff
	dw ext wrt ..gotoff
	db ext wrt ..gotpc
	mov eax, [byte ebx+ext wrt ..got]
	call ext wrt ..got
	call ext wrt ..gotoff
	call ext wrt ..sym
	call ext wrt ..tlsie
 %else
	dd ext wrt ..gotoff
	dw ext wrt ..gotoff
	dd ext wrt ..tlsie
	dd ext wrt ..gottpoff
	dw ext wrt ..got
	mov rax, [fs:ext wrt ..gottpoff]
	lea rax, [rel ext wrt ..gotoff]
	mov rax, [ext wrt ..gotoff]
	call ext wrt ..sym
	call ext wrt ..tlsie
	mov rax, [rel ext+4 wrt ..got]
 %endif
%endif
