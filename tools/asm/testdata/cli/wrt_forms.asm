; nasm's ELF WRT forms (`wrt ..got' and its kin) in data and operands:
; the relocation types, their targets (the section, or a global symbol of
; it for ..got, ..sym, ..tlsie and the elf64 PC-relative forms) and addends.
; args: -f elf32
; args: -f elf64
	extern ext, _GLOBAL_OFFSET_TABLE_
	global g1, g2
	section .text
	nop
g1:	nop
loc:	nop
	dd g1 wrt ..got
	dd ext wrt ..got
	dd ext+4 wrt ..sym
	dd loc wrt ..sym
	dd g1+3 wrt ..sym
	dd ext wrt ..gotpc
	dd ext+8 wrt ..gotpc
	dd loc wrt ..gotpc
	dd 5 wrt ..got
%if __BITS__ == 32
	dw g1 wrt ..sym
	db g1 wrt ..sym
	dd ext wrt ..gotoff
	dd loc+2 wrt ..gotoff
	dd ext wrt ..tlsie
get:	call .pc
.pc:	pop ebx
	add ebx, _GLOBAL_OFFSET_TABLE_+$$-.pc wrt ..gotpc
	mov eax, [ebx+ext wrt ..got]
	mov eax, [ebx+g1 wrt ..got]
	mov eax, [ebx+loc wrt ..gotoff]
	mov eax, [ebx+ext+4 wrt ..gotoff]
	lea eax, [ebx+data1+8 wrt ..gotoff]
	mov eax, ext wrt ..gotoff
	push ext wrt ..sym
	push dword g1+2 wrt ..sym
	mov eax, [ext wrt ..tlsie]
	mov eax, [ebx+ext wrt ..tlsie]
	call ext wrt ..plt
	call data1 wrt ..plt
%else
	dq ext wrt ..gotoff
	dq loc+2 wrt ..gotoff
	dq g1 wrt ..got
	dq ext+5 wrt ..gotpc
	dq loc+1 wrt ..sym
	mov rax, [rel ext wrt ..got]
	mov rax, [rel g2 wrt ..got]
	mov rax, [rel ext wrt ..gotpc]
	mov rax, [rel ext wrt ..gottpoff]
	add rax, [rel ext wrt ..gottpoff]
	cmp qword [rel g2 wrt ..got], 0
	mov rax, [ext wrt ..got]
	mov rax, [qword ext wrt ..got]
	mov eax, [rbx+ext wrt ..got]
	mov rax, ext wrt ..gotoff
	mov rax, data1 wrt ..gotoff
	mov rax, qword ext wrt ..got
	mov eax, ext wrt ..got
	mov rax, ext wrt ..gotpc
	mov eax, ext wrt ..gotpc
	mov rax, ext wrt ..sym
	mov rax, g1+1 wrt ..sym
	push ext wrt ..sym
	call ext wrt ..plt
	call g2 wrt ..plt
	jmp g2 wrt ..plt
	lea rdi, [rel _GLOBAL_OFFSET_TABLE_]
%endif
	section .data
g2:	dd 0
data1:	dd g2 wrt ..sym
	dd loc wrt ..sym
	dd data1 wrt ..sym
