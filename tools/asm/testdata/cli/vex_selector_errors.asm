; Encoding selectors nasm refuses (its {evex} is this encoder's error:
; there is no AVX-512 here), and cpu novex (nasm would then emit EVEX).
; Each command line assembles one of the lines (T selects it).
; args: -f bin -DT=1
; args: -f bin -DT=2
; args: -f bin -DT=3
; args: -f bin -DT=4
; args: -f bin -DT=5
; args: -f bin -DT=6
; args: -f bin -DT=7
; args: -f bin -DT=8
; args: -f bin -DT=9
; args: -f bin -DT=10
; args: -f bin -DT=11
; args: -f bin -DT=12
; args: -f bin -DT=13
bits 64
%if T == 1
        {vex2} vcomisd xmm0, [rax+r8*2]
%endif
%if T == 2
        {vex2} vaddpd ymm1, ymm2, ymm9
%endif
%if T == 3
        {vex2} vpextrq rax, xmm1, 1
%endif
%if T == 4
        {rex} vcomisd xmm0, xmm1
%endif
%if T == 5
        {vex} add eax, edx
%endif
%if T == 6
        {vex3} add eax, edx
%endif
%if T == 7
        {vex} pause
%endif
%if T == 8
        {rex} add ah, dl
%endif
%if T == 9
        {vex} {vex3} vaddps xmm1, xmm2, xmm3
%endif
%if T == 10
        {rex} {vex} vaddps xmm1, xmm2, xmm3
%endif
%if T == 11
        {vex3}
%endif
%if T == 12
        {foo} nop
%endif
bits 32
%if T == 13
        {rex} add eax, edx
%endif
