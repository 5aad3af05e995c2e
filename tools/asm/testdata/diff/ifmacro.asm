; %ifmacro with parameter counts, counted as nasm 2.16 does: the ranges
; overlap, a `+' on either side lifts that side's maximum, case counts.
BITS 32
%macro two 2
%endmacro
%macro range 1-3
%endmacro
%macro greedy 2+
%endmacro
%macro star 1-*
%endmacro
%imacro Case 0
%endmacro
%define CNT 2

%macro test 1+
%ifmacro %1
        db 1
%else
        db 0
%endif
%endmacro
        test two
        test two 1
        test two 2
        test two 3
        test two 1+
        test two 2+
        test two 3+
        test two 0-1
        test two 1-2
        test two 2-3
        test two 3-4
        test two 3-*
        test two CNT
        test range 0
        test range 4
        test range 4+
        test range 0-*
        test greedy 5
        test greedy 1
        test star 100
        test star 0
        test star 0+
        test Case
        test case
        test CASE 0
        test nothing
