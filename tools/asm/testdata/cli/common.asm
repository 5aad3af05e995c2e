; common NAME SIZE[:ALIGN ATTRIBUTES]: SHN_COMMON symbols, the value
; being the alignment; references to them are relocations against the
; symbol; a common ignores a later extern of the same name.
; args: -f elf64
; args: -f elf32
common c1 4
common c2 8:16
common c3 4:8 data, c4 2
common c5 100:4 object hidden
extern c1
        mov eax, [c1]
        mov eax, [c2 + 4]
        mov eax, c3
section .data
        dd c4
