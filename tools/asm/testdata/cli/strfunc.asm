; nasm's string functions: in data their bytes (padded to the unit like a
; string), in an expression a character constant (in 16- and 32-bit code
; its first 4 bytes, with a warning), in %if too; any case, with or
; without the `?'s, with or without parentheses.
; args: -f bin
; args: -f elf32
%define u(x) __utf16__(x)
        dw u('UEFI '), 0
        dw __UTF16__ 'ab', __?utf16le?__('c'), __utf16be__ ('de')
        dd __utf32__(`\u306a`), __utf32le__('x'), __utf32be__(`\U0001abcd`)
        dw __utf16__(`\U0001abcd`), __utf16be__(`\U0001abcd`)
        dd __utf16__('abc')
        dq __utf16__('abcde'), 'x'
        dt __utf16__('a')
        db __utf16__'a', 1
        dd __utf32__(`\xfc\x84\x80\x80\x80\x80`)
        mov ax, __utf16__('a') + 1
        mov eax, __utf16__ 'abc'
        mov eax, u('ab') - 'b'
X       equ __utf32be__('a')
        dd X
%if __utf16__('a') = 0x61
        db 1
%endif
%if __utf16__('abc') = 0x00620061
        db 2
%endif
        dq 'abcde' + 0
BITS 64
        mov rax, __utf16be__('abc') + 1
        dq 'abcdefghij' + 0, 'abcde' + 0
%if __utf16__('abc') = 0x0000006300620061
        db 3
%endif
