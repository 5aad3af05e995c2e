; `long' is nasm's other name for dword on an operand and on an address's
; displacement; of two sizes on an operand the first counts, of two on a
; displacement the last.
; args: -f bin
BITS 32
x:      jmp long [eax]
        jmp long 0x1234:5
        jmp far long [eax]
        jmp long far [eax]
        push long 5
        inc long [eax]
        mov long [eax], 1
        mov eax, LONG 5
        mov eax, [long 5]
        mov eax, [long eax]
        mov eax, [word long 5]
        mov eax, [dword word 5]
        mov eax, dword word 5
        mov word dword [eax], 5
BITS 16
        push long 5
        mov eax, [long 5]
