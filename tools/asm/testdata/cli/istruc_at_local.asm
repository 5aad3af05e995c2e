; `at .field' in istruc names the structure's field, whatever non-local
; label came before (nasm's at macro prefixes the structure's name).
; args: -f bin
; args: -f elf32
struc S1
.a:	resd 1
.b:	resw 1
endstruc
struc S2
.b:	resw 1
.a:	resd 1
endstruc
first:
istruc S1
	at .a, dd 0x11223344
	at .b, dw 0x5566
iend
second:
istruc S2
	at .b, dw 0x7788
	at S2.a, dd 0x99aabbcc
iend
	dd second.a
second.a:
