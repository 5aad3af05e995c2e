; xacquire/xrelease (F2/F3 in rep's place, and no moffs store form with
; them), osp/asp as words, and size prefixes alone on a line.
; args: -f bin -w-all
bits 32
x:      xacquire lock add [esi], eax
        xacquire xchg [eax], ebx
        xrelease lock mov [eax], ecx
        xrelease mov [eax], ecx
        xacquire add ecx, [eax]
        mov [x], eax
        xrelease mov [x], eax
        xacquire mov [x], eax
        xrelease mov [x], al
        xrelease mov eax, [x]
        xacquire lock inc dword [eax]
        osp mov eax, 1
        osp mov ax, 1
        osp push 1
        asp mov ax, [bx]
        asp movsb
        xacquire
        xrelease
        osp
        asp
        o16
        o32
        a16
        a32
bits 64
        osp rdfsbase eax
        osp rdfsbase rax
        osp rdgsbase rax
        osp wrfsbase eax
        osp wrgsbase rax
        asp mov eax, [eax]
        o16
        a32
        a64
bits 16
        osp movsd
        osp lodsw
        asp lodsb
        o32
        a32
        o16
        a16
bits 32
        rep times 2 movsb
        rep times 2 db 1
        times 2 rep movsb
        lock times 1+1 add [eax], eax
        es times 2 lodsb
        xacquire times 2 lock add [eax], eax
