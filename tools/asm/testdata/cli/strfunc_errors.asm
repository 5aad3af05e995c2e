; nasm's errors for string functions: a call in data is an operand by
; itself, its argument is one string constant, and it must be UTF-8.
; args: -f bin
%if __utf16__ 5
%endif
        dw __utf16__('a') + 1
        dw __utf16__ 33
        dw __utf16__, 46
        dw __utf16__()
        dw __utf16__(
        dw __utf16__('a', 'b')
        dw __utf16__('a' 'b')
        dw __utf16__('a'
        dw __utf16le__(`\xff`)
        dw __utf16be__(`\xed\xa0\x80`)
        dd __utf32__(`\xc0\x80`)
        dd __utf32be__(`\xe3\x81`)
        dw __utf16__('a') 'b'
        mov ax, __utf16__
        mov ax, __utf16__ 5
        mov ax, __utf16__('a'
        mov ax, __utf32__(`\xff`)
        mov ax, __utf16be__('a' + 1)
$__utf16__:
        dw $__utf16__
