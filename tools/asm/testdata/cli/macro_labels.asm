; %%labels and context-local labels are symbols (`..@N.name`), numbered
; as nasm numbers them: its directives are standard macros, and each
; call (and each %push in one) takes a number; a label may come before
; the call. istruc's start label is one of them. endstruc returns with
; `[section .text]` when no section came before, declaring .text.
; args: -f elf64
; args: -f elf32
struc P
.x: resd 1
.y: resw 1
endstruc
%macro m 0
%%l: nop
%endmacro
section .data
m
pt: istruc P
at P.x, dd 1
at P.y, dw 2
iend
m
extern foo
global bar
bar: m
align 8
m
%push ctx
%$here: db 0
%pop
default rel
cpu 686
here: bits 32
m
