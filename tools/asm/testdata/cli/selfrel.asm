; Self-relative values: a symbol in another section (or external) minus
; `$', `$$' or a label of this section becomes a PC-relative relocation,
; in operands and data; an address that is a number or self-relative is
; not RIP-relative (nasm 2.16 warns under `rel').
; args: -f bin
; args: -f elf32
; args: -f elf64
; args: -f elf64 -DEXT
	section .text
	bits 32
foo:	mov eax, [foo - $]
	mov ebx, [ebx + foo - $]
	mov ecx, foo - $
	mov eax, [baz - $]
	mov ebx, [ebx + baz - $]
	mov esi, [baz - bar]
	mov ecx, baz - $
	mov edx, baz - bar
	add edx, byte (baz - $$)
	push baz - $$

	bits 64
	default rel
	mov eax, [foo - $]
	mov eax, [abs foo - $]
	mov eax, [5]
	mov eax, [rel 5]
	mov eax, [baz]
	mov eax, [baz - $]
	mov eax, [abs baz - $]
	mov eax, [rel baz - $]
	mov ebx, [rbx + baz - $]
	mov esi, [baz - bar]
	lea rax, [rdi + baz - $$]
	mov rax, [rdi + baz - $$]
	mov rax, dword baz - $$
	mov ecx, baz - $
%ifdef EXT
	extern ext
	lea rdx, [rdi + ext - $$]
	mov rdx, dword ext - $$
	add edx, byte (ext - $$)
	dd ext - $
%endif
bar:	hlt

	section .data
baz:	dd 0
	dd bar - $
	dd bar - $$
	dd bar - baz
	dw bar - $
	db bar - $
