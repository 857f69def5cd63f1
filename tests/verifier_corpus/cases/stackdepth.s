### combined_stack_512 xdp
    r1 = 0
    *(u64 *)(r10 -256) = r1
    call sub
    r0 = 2
    exit
sub:
    r1 = 0
    *(u64 *)(r10 -256) = r1
    r0 = 0
    exit
### combined_stack_528 xdp
    r1 = 0
    *(u64 *)(r10 -264) = r1
    call sub
    r0 = 2
    exit
sub:
    r1 = 0
    *(u64 *)(r10 -256) = r1
    r0 = 0
    exit
### combined_stack_round16 xdp
    r1 = 0
    *(u64 *)(r10 -248) = r1
    call sub
    r0 = 2
    exit
sub:
    r1 = 0
    *(u32 *)(r10 -260) = r1
    r0 = 0
    exit
### combined_stack_read_counts xdp
    r1 = 0
    *(u64 *)(r10 -256) = r1
    call sub
    r0 = 2
    exit
sub:
    r0 = *(u64 *)(r10 -264)
    r0 = 0
    exit
### combined_stack_three_frames xdp
    r1 = 0
    *(u64 *)(r10 -160) = r1
    call f1
    r0 = 2
    exit
f1:
    r1 = 0
    *(u64 *)(r10 -160) = r1
    call f2
    r0 = 0
    exit
f2:
    r1 = 0
    *(u64 *)(r10 -200) = r1
    r0 = 0
    exit
### combined_stack_siblings xdp
    r1 = 0
    *(u64 *)(r10 -256) = r1
    call f1
    call f2
    r0 = 2
    exit
f1:
    r1 = 0
    *(u64 *)(r10 -256) = r1
    r0 = 0
    exit
f2:
    r1 = 0
    *(u64 *)(r10 -200) = r1
    r0 = 0
    exit
### combined_stack_second_sibling xdp
    r1 = 0
    *(u64 *)(r10 -256) = r1
    call f1
    call f2
    r0 = 2
    exit
f1:
    r1 = 0
    *(u64 *)(r10 -200) = r1
    r0 = 0
    exit
f2:
    r1 = 0
    *(u64 *)(r10 -272) = r1
    r0 = 0
    exit
### combined_stack_dead_call xdp
    r1 = 0
    *(u64 *)(r10 -256) = r1
    r2 = 0
    if r2 == 0 goto skip
    call f1
skip:
    r0 = 2
    exit
f1:
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r0 = 0
    exit
### call_depth_dead_chain xdp
    r1 = 0
    if r1 == 0 goto skip
    call f1
skip:
    r0 = 2
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
