BITS 32
common shared 32:4
global fill
section .text
fill:
        mov dword [shared], 0x0a6d6f63          ; "com\n"
        ret
