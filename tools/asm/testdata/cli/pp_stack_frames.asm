; %stacksize, %arg and %local (TASM's stack frames): each name is its
; slot relative to the frame pointer, and %local adds to %$localsize.
; args: -f bin
	bits 32
%push proc
%assign %$localsize 0
%stacksize flat
%local l1:qword, l2:dword
%arg a1:qword, a2:byte
	mov eax, [a1]
	mov eax, [a2]
	mov [l1], eax
	mov [l2], eax
	dd %$localsize
%stacksize small
%arg s1:word
%local s2:byte
	bits 16
	mov ax, [s1]
	mov ax, [s2]
%stacksize flat64
%arg q1:dword
	bits 64
	mov eax, [q1]
	dd %$localsize
%pop
%stacksize huge
%arg bad:foo
%arg :dword
%arg x dword
