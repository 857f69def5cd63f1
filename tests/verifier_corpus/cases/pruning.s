# Where the kernel saves states: prune points (a conditional jump and its target, not
# its fall-through), the 2-jump/8-instruction rule, and inside loops only every 20
# jumps or 100 instructions. The processed counts are compared with the kernel's.
### loop_branch_join xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 64
    if r1 > r3 goto out
    r6 = 0
    r7 = 0
loop:
    r4 = *(u8 *)(r2 +5)
    if r4 & 1 goto odd
    r6 += 2
    goto next
odd:
    r6 += 1
next:
    r7 += 1
    if r7 < 48 goto loop
out:
    r0 = 2
    exit
### loop_two_joins_spill xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r6 = 0
    r7 = 0
    *(u64 *)(r10 -8) = r7
loop:
    r4 = *(u8 *)(r2 +1)
    if r4 & 1 goto a
    r6 += 2
    goto b
a:
    r6 += 1
b:
    r5 = *(u8 *)(r2 +2)
    if r5 & 2 goto c
    r6 += 4
c:
    r7 = *(u64 *)(r10 -8)
    r7 += 1
    *(u64 *)(r10 -8) = r7
    if r7 < 30 goto loop
out:
    r0 = 2
    exit
### diamonds_fallthrough xdp
    call bpf_get_prandom_u32
    r6 = r0
    r7 = 0
    if r6 & 1 goto j0
    r7 += 1
    r8 = r7
    r8 += 3
j0:
    r9 = r6
    r9 >>= 1
    if r6 & 2 goto j1
    r7 += 1
    r8 = r7
    r8 += 3
j1:
    r9 = r6
    r9 >>= 1
    if r6 & 4 goto j2
    r7 += 1
    r8 = r7
    r8 += 3
j2:
    r9 = r6
    r9 >>= 1
    if r6 & 8 goto j3
    r7 += 1
    r8 = r7
    r8 += 3
j3:
    r9 = r6
    r9 >>= 1
    if r6 & 16 goto j4
    r7 += 1
    r8 = r7
    r8 += 3
j4:
    r9 = r6
    r9 >>= 1
    if r6 & 32 goto j5
    r7 += 1
    r8 = r7
    r8 += 3
j5:
    r9 = r6
    r9 >>= 1
    if r6 & 64 goto j6
    r7 += 1
    r8 = r7
    r8 += 3
j6:
    r9 = r6
    r9 >>= 1
    if r6 & 128 goto j7
    r7 += 1
    r8 = r7
    r8 += 3
j7:
    r9 = r6
    r9 >>= 1
    if r6 & 256 goto j8
    r7 += 1
    r8 = r7
    r8 += 3
j8:
    r9 = r6
    r9 >>= 1
    if r6 & 512 goto j9
    r7 += 1
    r8 = r7
    r8 += 3
j9:
    r9 = r6
    r9 >>= 1
    r0 = 0
    exit
### diamonds_dead_helper_args xdp map=array:4:8:1
    ; r3 is set on one side of each diamond only; bpf_map_lookup_elem reads r1 and r2
    ; alone, so r3 is dead at the join and the two sides prune each other
    r1 = 0
    *(u32 *)(r10 -4) = r1
    call bpf_get_prandom_u32
    r6 = r0
    if r6 & 1 goto j0
    r3 = 1
j0:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 2 goto j1
    r3 = 1
j1:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 4 goto j2
    r3 = 1
j2:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 8 goto j3
    r3 = 1
j3:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 16 goto j4
    r3 = 1
j4:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 32 goto j5
    r3 = 1
j5:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 64 goto j6
    r3 = 1
j6:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 128 goto j7
    r3 = 1
j7:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 256 goto j8
    r3 = 1
j8:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r6 & 512 goto j9
    r3 = 1
j9:
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    r0 = 2
    exit
