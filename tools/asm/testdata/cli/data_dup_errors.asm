; Errors of the dup forms, in nasm's words: the count is a critical
; expression and may not be negative.
; args: -f bin
	db -1 dup (1)
	db later dup (1)
later:
