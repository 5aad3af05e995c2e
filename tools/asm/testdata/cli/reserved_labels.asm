; nasm's keywords (sizes, operand specials, seg, wrt, float and string
; function tokens) cannot name a label; `$' before one makes it a name.
; args: -f elf64
rel equ 1
abs: nop
strict nop
dword equ 4
wrt: nop
__nan__ equ 1
__?utf16?__: nop
$rel equ 1
$dword: nop
