; `long' is dword: not a size for a conditional jump's target (nor is dword)
; and in conflict with `short'.
; args: -f bin
BITS 32
        jz long x
        jmp short long x
x:
