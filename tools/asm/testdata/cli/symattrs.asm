; Symbol attributes after the colon: ELF type, binding, visibility and
; size (an expression, `$` being the symbol's address), for labels,
; equs, externs and statics; an extern nothing refers to is left out,
; a `required' one is kept. nasm 2.16 has no gnu_ifunc keyword.
; args: -f elf64
; args: -f elf32
global foo:(foo_end - foo)
global foo_hidden:function hidden
global foo_protected:FUNCTION PROTECTED
global foo_internal:function internal
global foo_weak:function weak
global foo_hidden_weak:function hidden weak
global foo_strong:weak strong
global sized:function 5 hidden
global abs_data:data 4
global abs_object:object notype
global alias:function (alias_end - $)
global plain, also_plain:data, next
static local_fn:function 3

extern strong_ref, weak_ref:weak, unused_ref
extern weak_object_ref:weak object
extern unused_weak:weak
required required_ref
extern promoted

section .text align=16
foo:
        nop
foo_hidden:
        nop
foo_protected:
        nop
foo_internal:
        nop
foo_weak:
        ret
foo_hidden_weak:
        mov eax, weak_ref
        mov eax, strong_ref
        mov eax, weak_object_ref
foo_strong:
sized:
local_fn:
        ret
foo_end:
alias equ foo_hidden + 1
alias_end:
plain:  nop
also_plain:
next:   ret
promoted:
        ret
abs_data equ 0x1234
abs_object equ 7
