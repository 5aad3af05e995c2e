; Local labels, ..@ labels, and jump relaxation across passes.
BITS 32
section .text
func1:
.loop:  dec eax
        jnz .loop
        jmp .out
        times 200 nop
.out:   jmp func2.loop
..@special:
        jmp .out2
.out2:  ret
func2:
.loop:  dec ebx
        jnz .loop
        jz func1.loop
        jmp ..@special
        jmp short .fwd
        nop
.fwd:   call func1
        jmp near .fwd
        loop .fwd
        jecxz .fwd
        ; forward jumps whose size depends on other forward jumps
        jmp a1
        jmp a2
        times 120 nop
a1:     jmp a3
        times 5 nop
a2:     nop
        times 127 nop
a3:     ret
        jmp $
        jmp $$
        jmp $+5
        dd func2.fwd - func2
