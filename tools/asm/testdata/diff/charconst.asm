; Character constants in preprocessor expressions are read as nasm 2.16
; reads them: 4 bytes outside BITS 64 (the first four characters, with a
; warning), 8 under BITS 64 (nasm's travis test baddq).
BITS 32
%assign four 'abcdefgh'
%assign three 'abc'
%if 'abcdefgh' = 'abcd'
        db 1
%endif
        dq four, three
%assign neg -'abcde'
        dd neg
BITS 64
%assign eight 'abcdefghij'
        dq eight
%if 'abcdefgh' = 'abcd'
        db 2
%endif
