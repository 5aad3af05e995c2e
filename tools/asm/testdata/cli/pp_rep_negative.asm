; A negative %rep count is nasm 2.16's warning, and the block runs no times.
; args: -f bin
%rep -1
        db 1
%endrep
%rep 0xffffFFFFffffFFFE
        db 2
%endrep
        db 3
