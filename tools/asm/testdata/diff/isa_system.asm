; The instruction groups beyond the Intel manual's tables that nasm 2.16 has:
; SVM, VMX, VIA PadLock (its F3 is a rep prefix), clzero, FMA4 and nasm's
; FMA3 aliases, TBM, LWP and XOP (8F prefix), 3DNow!, SSE4a.
BITS 32
        clgi
        vmrun
        vmcall
        vmxon [esp+4]
        vmread [ebx], eax
        invept eax, [edi]
        rep xsha1
        repne xcryptecb
        xstore
        invlpga
        clzero ax
        vfmaddpd xmm0, xmm1, [eax], xmm3
        vfmaddsub312ps ymm0, ymm1, ymm2
        blcfill edx, [ebx]
        lwpins eax, ebx, 0x12345678
        vprotb xmm0, xmm1
        vpcmov xmm0, xmm1, xmm2, [eax]
        pfadd mm0, [eax]
        extrq xmm0, 1, 2
        pinsrb xmm1, sil, 0
        xcryptcbc
        pfmul mm1, mm2
BITS 64
start64:
        skinit
        vmwrite rax, [rbx]
        invvpid rcx, [rax]
        clzero rax
        bextr rax, rsi, 0x12345678
        llwpcb rax
        ldtilecfg [rsi]
        cmpbexadd [rax], eax, ebx
        xbegin .done
        xend
.done:  ret
