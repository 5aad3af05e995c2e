; A character constant in an expression keeps its first 4 bytes outside
; BITS 64 and its first 8 under it, with nasm's warning when it is longer.
; args: -f bin
        dq 'abcde' + 0, 'abcd' + 0
        mov eax, 'abcdefghij'
BITS 32
        dq 'abcdefghij' + 0
        mov eax, 'abcde'
BITS 64
        dq 'abcde' + 0, 'abcdefghij' + 0
        mov rax, 'abcdefghi'
