; Preprocessor: single- and multi-line macros, conditionals, repetition.
BITS 32
%define TWICE(x) ((x) * 2)
%define ADD(a, b) ((a) + (b))
%define ONE 1
%idefine CaseLess 7
%xdefine XD ONE + 1
%define ONE 10
%assign counter 0
%assign counter counter + 5

%macro push_all 1-*
%rep %0
        push %1
%rotate 1
%endrep
%endmacro

%macro store 1-3 0x11, 0x22
        db %0, %1, %2, %3
%endmacro

%macro greedy 1+
        db %1
%endmacro

%macro loop_local 0
%%top:  dec ecx
        jnz %%top
%endmacro

%macro label_paste 1
%1_start: db 1
%1 %+ _end: db 2
%endmacro

%macro brace 2
        db %1, %2
%endmacro

%macro many 2-4
        db %{1}, %2
%if %0 > 2
        db %3
%endif
%endmacro

%macro over 1
        db 1
%endmacro
%macro over 2
        db 2, 2
%endmacro

section .text
_start:
        dd TWICE(3), ADD(1, TWICE(2)), CASELESS, caseless, XD, counter
        push_all eax, ebx, ecx
        store 1
        store 1, 2
        store 1, 2, 3
        greedy 1, 2, 3, 4
        loop_local
        loop_local
        label_paste foo
        brace {1, 2}, 3
        many 1, 2
        many 1, 2, 3
        over 9
        over 9, 9
here:   store 5
%if ONE == 10
        db 'a'
%elif ONE == 1
        db 'b'
%else
        db 'c'
%endif
%if 0
        db 'never'
  %if 1
        db 'nested never'
  %endif
%elif 1
        db 'elif'
%endif
%ifdef ONE
        db 'def'
%endif
%ifndef NOPE
        db 'ndef'
%endif
%ifidn ONE, 10
        db 'idn'
%endif
%ifidni eax, EAX
        db 'idni'
%endif
%ifnum 42
        db 'num'
%endif
%ifstr 'x'
        db 'str'
%endif
%ifid foo
        db 'id'
%endif
%assign i 0
%rep 10
        db i
%assign i i + 1
%if i == 4
%exitrep
%endif
%endrep
%rep 2
%rep 2
        nop
%endrep
%endrep
%strlen L 'hello'
        db L
%undef ONE
%ifndef ONE
        db 'undef'
%endif
%define LINE_TEST __LINE__
        dd LINE_TEST
        db __FILE__
