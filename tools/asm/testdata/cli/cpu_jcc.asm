; `cpu 8086`/`186`/`286` have no near conditional jump: one out of short
; range is the opposite short jump over a near jmp; `cpu 386` and later
; (and no cpu directive) take 0F 8x. -O0/-O1 keep conditional jumps
; short when in range (jumps written short stay short).
; args: -f bin
; args: -f bin -O0
; args: -f bin -O1
cpu 8086
start:  jne fwd
        jne start
        jne short start
        times 10 nop
        jmp start
fwd:    jc start
        times 200 nop
        jnc start
        jcxz start2
start2: loop start2
        call start
cpu 286
        jz fwd
        jo start
cpu 386
        jz fwd
        jz start
cpu 186
        jpe start
cpu any
        jg start
[cpu 8086]
        jle start
cpu 386
bits 32
        jz start
