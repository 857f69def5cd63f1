### call_simple xdp
    call sub
    exit
sub:
    r0 = 2
    exit
### call_args xdp
    r1 = 5
    call sub
    exit
sub:
    r0 = r1
    exit
### call_clobbers_r1 xdp
    r1 = 5
    call sub
    r0 = r1
    exit
sub:
    r0 = 1
    exit
### call_keeps_r6 xdp
    r6 = 5
    call sub
    r0 = r6
    exit
sub:
    r6 = 1
    r0 = 1
    exit
### call_caller_stack xdp
    r1 = 7
    *(u64 *)(r10 -8) = r1
    r1 = r10
    r1 += -8
    call sub
    exit
sub:
    r0 = *(u64 *)(r1 +0)
    exit
### call_return_stack_ptr xdp
    call sub
    r0 = 2
    exit
sub:
    r0 = r10
    r0 += -8
    exit
### call_ctx_through xdp
    call sub
    exit
sub:
    r0 = *(u32 *)(r1 +12)
    exit
### call_uninit_r2 xdp
    call sub
    exit
sub:
    r0 = r2
    exit
### call_pkt_in_sub xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r2 = r3
    call sub
    exit
sub:
    r3 = r1
    r3 += 4
    if r3 > r2 goto out
    r0 = *(u32 *)(r1 +0)
out:
    r0 = 2
    exit
### call_depth_9 xdp
    call f1
    exit
f1:
    call f2
    exit
f2:
    call f3
    exit
f3:
    call f4
    exit
f4:
    call f5
    exit
f5:
    call f6
    exit
f6:
    call f7
    exit
f7:
    call f8
    exit
f8:
    r0 = 0
    exit
### call_depth_8 xdp
    call f1
    exit
f1:
    call f2
    exit
f2:
    call f3
    exit
f3:
    call f4
    exit
f4:
    call f5
    exit
f5:
    call f6
    exit
f6:
    call f7
    exit
f7:
    r0 = 0
    exit
### call_out_of_range xdp
    call pc+10
    exit
### sub_falls_through xdp
    call sub
    exit
sub:
    r0 = 1
