; Byte registers pinsrb refuses, and operands a trailing comma does not save.
; Each command line assembles one of the lines (T selects it).
; args: -f bin -DT=1
; args: -f bin -DT=2
; args: -f bin -DT=3
; args: -f bin -DT=4
; args: -f bin -DT=5
; args: -f bin -DT=6
bits 32
%if T == 1
        pinsrb xmm1, bh, 0
%endif
%if T == 2
        vpinsrb xmm1, ah, 0
%endif
%if T == 3
        pinsrb xmm1, si, 0
%endif
%if T == 4
        mov eax,
%endif
%if T == 5
        add eax,,1
%endif
%if T == 6
        fadd to [eax]
%endif
