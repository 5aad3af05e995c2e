; A data directive without operands: nasm 2.16 warns (db-empty) and
; emits nothing; a label on the line is still defined. -w-db-empty
; silences it.
; args: -f bin
; args: -f bin -w-db-empty
        db 1
x:      db
        dw
        dd
        dq x
