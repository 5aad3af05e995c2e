; list, warning, debug, map and pragma are directives only in brackets:
; bare, each is a label (real code: `list DB 1,2,3,4`).
; args: -f elf32
; args: -f bin
list DB 1,2,3,4
warning db 5
debug db 6
map db 7
pragma db 8
[list -]
[list +]
[warning -label-orphan]
[debug x]
    dd list, warning, debug, map, pragma
