; After %else, nasm 2.16 warns about an %elif or another %else and skips
; what follows them; words after %else or %endif are ignored with a
; warning; inside a block not assembled it says nothing.
; args: -f bin
%if 0
        db 1
%else some words
        db 2
%elif 1
        db 3
%elifdef __?NASM_VER?__
        db 4
%endif trailing
%if 1
        db 5
%else
        db 6
%else
        db 7
%endif
%if 0
 %if 1
        db 8
 %else junk
 %else
 %elif 1
 %endif junk
%endif
%if 1
%else
%else
%elif 1
        db 9
%else junk
%endif junk
