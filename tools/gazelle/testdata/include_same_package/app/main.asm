%include "sys.inc"
global _start
_start: EXIT 0
