; Branch sizes nasm refuses.
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
bits 32
x:
%if T == 1
        jmp byte x
%endif
%if T == 2
        jz word x
%endif
%if T == 3
        jz dword x
%endif
%if T == 4
        jmp short word x
%endif
%if T == 5
        jmp qword x
%endif
bits 64
%if T == 6
        jmp word x
%endif
%if T == 7
        jmp dword x
%endif
%if T == 8
        call dword x
%endif
%if T == 9
        jz near dword x
%endif
