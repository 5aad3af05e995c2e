; Packed BCD: a decimal literal ending in p (or starting 0p) in dt, 18
; digits with sign, '_' ignored; more digits are truncated with a warning.
BITS 32
section .data
	dt 123p, -456p, +789p, 0p12, -0p0
	dt 765432109876543210p, -765_432_109_876_543_210p
	dt 8_765_432_109_876_543_210p
	dt 1P, 00000000000000000000000000001p
