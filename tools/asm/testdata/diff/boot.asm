; A boot sector: org, times padding to 510 bytes, signature.
; bin-only
BITS 16
org 0x7c00
start:
        cli
        xor ax, ax
        mov ds, ax
        mov si, msg
.next:  lodsb
        or al, al
        jz .done
        mov ah, 0x0e
        int 0x10
        jmp .next
.done:  hlt
        jmp .done
msg:    db "boot", 0
        times 510 - ($ - $$) db 0
        dw 0xaa55
