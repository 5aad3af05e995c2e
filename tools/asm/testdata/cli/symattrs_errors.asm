; Declarations nasm refuses when it reads them (it stops before the
; symbols are written): conflicting attributes, a blank before the
; colon, bad common sizes.
; args: -f elf64
global a:function
global a:data
global b :function
common c1
common c2 x
common c5 :4
a:      nop
b:      nop
