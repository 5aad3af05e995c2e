; nasm's string functions __utf16__/__utf32__ (le and be too): a string in
; data, a character constant in an expression; backquoted \u and \U
; escapes give UTF-8 first.
%define u(x) __utf16__(x)
%define w(x) __utf32__(x)
%define S `\u306a`
BITS 32
section .data
	db `Test \u306a\U0001abcd\n`
	dw u(`Test \u306a\U0001abcd\n`)
	dd w(`Test \u306a\U0001abcd\n`)
	dw __utf16le__ "Hello", __utf16be__ `\U0001abcd`, __?utf16?__(S)
	dd __utf32be__ 'ab', __UTF32LE__('c'), __utf32__(`\xf4\x8f\xbf\xbf`)
	dw 1, __utf16__('ab'), 2
section .text
	mov ax, u(`a`)
	mov bx, __utf16be__(`\u306a`)
	mov eax, u('ab')
	mov ecx, w(`\U0001abcd`)
%if __utf16__('a') = 0x61
	nop
%endif
	ret
