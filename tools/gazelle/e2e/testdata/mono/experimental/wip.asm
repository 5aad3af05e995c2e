; does not assemble yet
global _start
_start:
        frobnicate rax
