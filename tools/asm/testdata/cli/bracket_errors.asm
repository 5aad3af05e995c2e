; nasm's errors for bracketed directives without their parameter.
; args: -f elf32
[list]
[list foo]
[debug]
[debug 1]
