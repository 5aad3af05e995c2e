; MPX operands nasm refuses: a sized memory operand, the other mode's
; register size, bnd before what is not a near branch.
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
        bndmk bnd1, dword [eax]
%endif
%if T == 2
        bndmov bnd1, qword [eax]
%endif
%if T == 3
        bndcl bnd1, ax
%endif
%if T == 4
        bndcl bnd1, rax
%endif
%if T == 5
        bnd jmp short x
%endif
%if T == 6
        bnd mov eax, 1
%endif
%if T == 7
        bnd
%endif
%if T == 8
        nobnd
%endif
bits 64
%if T == 9
        bndcl bnd1, eax
%endif
