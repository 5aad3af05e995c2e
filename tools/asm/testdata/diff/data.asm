; Data directives, numeric forms, strings and expressions.

BITS 32
section .text
start:
        db 0x1f, 1fh, 1Fx, $0ff, 0h12, 0b101, 101b, 0y11, 11y, 0o17, 17o, 17q, 0q7
        db 0d99, 99d, 0t12, 12t, 1_0, 0x_f_f, 0bh
        dw 'ab', "cd", `\n\t\x41\101\e`, 'abc'
        dd 'abcd', 1234567, -1, -2147483648, 0xffffffff
        dq 0x123456789abcdef0, -2, 'abcdefgh'
        db 'single', "double", `back\`quote\\`, 0
        db `\u00e9\U0001F600`
        dw 1, 2, -3
        dd 1 + 2 * 3, (1 + 2) * 3, 7 / 2, -7 // 2, 7 % 3, -7 %% 3
        dd 1 << 4, 256 >> 2, -256 >>> 2, -256 >> 28, 5 & 3, 5 | 3, 5 ^ 3, ~5, !0, !7
        dd 1 < 2, 2 < 1, 3 <= 3, 3 >= 4, 3 == 3, 3 = 4, 3 != 4, 3 <> 3, 1 <=> 2
        dd 1 && 0, 1 || 0, 1 ^^ 1, 0 ? 5 : 6, 1 ? 5 : 6
        dd -(-3), +4, -(1 << 31), ((((1))))
        dd $ - start, $$ - start, end - start
        times 3 db 0xcc
        times 2 dw 1, 2
        times 0 db 1
align 8
        db 1
align 16, db 0xee
        dd 0
        align 4
        resb 2
        resw 1
        db ?, ?
x       equ 5
y       equ x * 2 + z
z       equ 3
        dd x, y, z
end:
section .data
        db 1
section .bss
        resd 4
section .data
floats: dd 1.5, -2.25, 1e10, 3.4e38, 0.1, 1.e2, 3.4028235677973366e38, 1.0e39
        dq 0.1, -1.0e-300, 1.7976931348623157e308, 0x1.8p3, 1., 1.0e309
        dw 1.5, 0.1, 65504.0, 65520.0, 6.0e-8, 0.33333, -0.0, 1_000.5
