; Preprocessor functions (%eval, %str, %substr, %is..., ...) wherever
; macros expand, and %substr's directive syntax in all its forms.
BITS 32
%define S 'hello'
%define N 5
        db %abs(-3), %count(1,2,3), %eval(1+2, 3*4), %eval(-5, 2-7)
        db %str(a b, c), %strcat('a', "b", S), %strcat(a, 'b')
        db %strlen(S), %strlen('xyz'), %strlen(abc)
        %tok('mov') eax, 1
        db %substr('abcdef', 2, 3), %substr('abcdef', 2), %substr(S, -2), %substr('abcdef', 2, -2), %substr('ab', 5)
        db %sel(2, 10, 20, 30), %cond(1, 5, 6), %cond(0, 5, 6)
        db %num(255, 4, 16), %num(10), %num(-1), %num(5, 0), %num(0, 0), %num(65535, 3, 16)
        db %isnum(3), %isnnum(x), %isdef(S), %isidn(a, a), %isstr('x'), %isid(x)
        db %isnnum(-1), %isnum(-1), %isnum(S), %isnum(N), %is(N > 3), %isn(N > 3)
        db %isempty(), %istoken(a b), %ismacro(twice), %isctx(foo)

; A function's result touching a word makes one word with it.
%macro twice 2
%if %isnnum(%1) || %1 < 0
%error bad count
%endif
lbl_%tok(%substr(%2, 2, -2)):
        times %1 db %strlen(%2)
%endmacro
        twice 2, 'xfoox'
        twice 3, "xbarx"

; The directive: string (or a macro giving one), optional comma, start,
; then the count after the token that ended the start.
%substr T1 'abcdef' 2,-1
%substr T2 S 2,2
%substr T3 'abcdef' 3
%substr T4 'abcdef', 2, -3
%substr T5 'abcdef' -1
%substr T6 'abcdef' 0 2
%substr T7 'abcdef' 5 10
%substr T8 'abcdef' 2 -1
%substr T9 'abcdef' 9
        db T1, T2, T3, T4, T5, T6, T7, T8, T9, 0

; Spelling out a string one character at a time (corkami's consts.inc).
%macro chars 1
%strlen %%n %1
%assign %%i 1
%rep %%n
%substr %%c %1 %%i
        db %%c
%assign %%i %%i+1
%endrep
%endmacro
        chars 'hey'
