# Stack precision: spilled scalars whose values never matter (pruned at joins, as the
# kernel prunes them) and whose values do (not pruned: the kernel's verdict). Recorded
# by: sudo python tests/test_verifier_precision.py --record
### prec_spill_diamonds xdp
    r8 = 0
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a0
    r1 = 1
    *(u64 *)(r10 -8) = r1
    goto j0
a0:
    r1 = 100
    *(u64 *)(r10 -8) = r1
j0:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a1
    r1 = 2
    *(u64 *)(r10 -8) = r1
    goto j1
a1:
    r1 = 101
    *(u64 *)(r10 -8) = r1
j1:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a2
    r1 = 3
    *(u64 *)(r10 -8) = r1
    goto j2
a2:
    r1 = 102
    *(u64 *)(r10 -8) = r1
j2:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a3
    r1 = 4
    *(u64 *)(r10 -8) = r1
    goto j3
a3:
    r1 = 103
    *(u64 *)(r10 -8) = r1
j3:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a4
    r1 = 5
    *(u64 *)(r10 -8) = r1
    goto j4
a4:
    r1 = 104
    *(u64 *)(r10 -8) = r1
j4:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a5
    r1 = 6
    *(u64 *)(r10 -8) = r1
    goto j5
a5:
    r1 = 105
    *(u64 *)(r10 -8) = r1
j5:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a6
    r1 = 7
    *(u64 *)(r10 -8) = r1
    goto j6
a6:
    r1 = 106
    *(u64 *)(r10 -8) = r1
j6:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a7
    r1 = 8
    *(u64 *)(r10 -8) = r1
    goto j7
a7:
    r1 = 107
    *(u64 *)(r10 -8) = r1
j7:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a8
    r1 = 9
    *(u64 *)(r10 -8) = r1
    goto j8
a8:
    r1 = 108
    *(u64 *)(r10 -8) = r1
j8:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a9
    r1 = 10
    *(u64 *)(r10 -8) = r1
    goto j9
a9:
    r1 = 109
    *(u64 *)(r10 -8) = r1
j9:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    r0 = 2
    exit
### prec_spill_diamonds_ptr_spilled xdp
    r8 = 0
    r9 = r10
    r9 += -8
    *(u64 *)(r10 -16) = r9
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a0
    r1 = 1
    *(u64 *)(r10 -8) = r1
    goto j0
a0:
    r1 = 100
    *(u64 *)(r10 -8) = r1
j0:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a1
    r1 = 2
    *(u64 *)(r10 -8) = r1
    goto j1
a1:
    r1 = 101
    *(u64 *)(r10 -8) = r1
j1:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a2
    r1 = 3
    *(u64 *)(r10 -8) = r1
    goto j2
a2:
    r1 = 102
    *(u64 *)(r10 -8) = r1
j2:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a3
    r1 = 4
    *(u64 *)(r10 -8) = r1
    goto j3
a3:
    r1 = 103
    *(u64 *)(r10 -8) = r1
j3:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a4
    r1 = 5
    *(u64 *)(r10 -8) = r1
    goto j4
a4:
    r1 = 104
    *(u64 *)(r10 -8) = r1
j4:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a5
    r1 = 6
    *(u64 *)(r10 -8) = r1
    goto j5
a5:
    r1 = 105
    *(u64 *)(r10 -8) = r1
j5:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a6
    r1 = 7
    *(u64 *)(r10 -8) = r1
    goto j6
a6:
    r1 = 106
    *(u64 *)(r10 -8) = r1
j6:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a7
    r1 = 8
    *(u64 *)(r10 -8) = r1
    goto j7
a7:
    r1 = 107
    *(u64 *)(r10 -8) = r1
j7:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a8
    r1 = 9
    *(u64 *)(r10 -8) = r1
    goto j8
a8:
    r1 = 108
    *(u64 *)(r10 -8) = r1
j8:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a9
    r1 = 10
    *(u64 *)(r10 -8) = r1
    goto j9
a9:
    r1 = 109
    *(u64 *)(r10 -8) = r1
j9:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r8 += r7
    r0 = 2
    exit
### prec_dead_slot_diamonds xdp
    r6 = r1
    r8 = 0
    *(u64 *)(r10 -16) = r8
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a0
    *(u64 *)(r10 -8) = r6
    goto j0
a0:
    r1 = 0
    *(u32 *)(r10 -8) = r1
j0:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a1
    *(u64 *)(r10 -8) = r6
    goto j1
a1:
    r1 = 1
    *(u32 *)(r10 -8) = r1
j1:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a2
    *(u64 *)(r10 -8) = r6
    goto j2
a2:
    r1 = 2
    *(u32 *)(r10 -8) = r1
j2:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a3
    *(u64 *)(r10 -8) = r6
    goto j3
a3:
    r1 = 3
    *(u32 *)(r10 -8) = r1
j3:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a4
    *(u64 *)(r10 -8) = r6
    goto j4
a4:
    r1 = 4
    *(u32 *)(r10 -8) = r1
j4:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a5
    *(u64 *)(r10 -8) = r6
    goto j5
a5:
    r1 = 5
    *(u32 *)(r10 -8) = r1
j5:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a6
    *(u64 *)(r10 -8) = r6
    goto j6
a6:
    r1 = 6
    *(u32 *)(r10 -8) = r1
j6:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a7
    *(u64 *)(r10 -8) = r6
    goto j7
a7:
    r1 = 7
    *(u32 *)(r10 -8) = r1
j7:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a8
    *(u64 *)(r10 -8) = r6
    goto j8
a8:
    r1 = 8
    *(u32 *)(r10 -8) = r1
j8:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a9
    *(u64 *)(r10 -8) = r6
    goto j9
a9:
    r1 = 9
    *(u32 *)(r10 -8) = r1
j9:
    r7 = *(u64 *)(r10 -16)
    r8 += r7
    *(u64 *)(r10 -8) = r8
    r0 = 2
    exit
### prec_spill_diamonds_callee xdp
    call sub
    r0 = 2
    exit
sub:
    r8 = 0
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as0
    r1 = 1
    *(u64 *)(r10 -8) = r1
    goto js0
as0:
    r1 = 100
    *(u64 *)(r10 -8) = r1
js0:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as1
    r1 = 2
    *(u64 *)(r10 -8) = r1
    goto js1
as1:
    r1 = 101
    *(u64 *)(r10 -8) = r1
js1:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as2
    r1 = 3
    *(u64 *)(r10 -8) = r1
    goto js2
as2:
    r1 = 102
    *(u64 *)(r10 -8) = r1
js2:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as3
    r1 = 4
    *(u64 *)(r10 -8) = r1
    goto js3
as3:
    r1 = 103
    *(u64 *)(r10 -8) = r1
js3:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as4
    r1 = 5
    *(u64 *)(r10 -8) = r1
    goto js4
as4:
    r1 = 104
    *(u64 *)(r10 -8) = r1
js4:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as5
    r1 = 6
    *(u64 *)(r10 -8) = r1
    goto js5
as5:
    r1 = 105
    *(u64 *)(r10 -8) = r1
js5:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as6
    r1 = 7
    *(u64 *)(r10 -8) = r1
    goto js6
as6:
    r1 = 106
    *(u64 *)(r10 -8) = r1
js6:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as7
    r1 = 8
    *(u64 *)(r10 -8) = r1
    goto js7
as7:
    r1 = 107
    *(u64 *)(r10 -8) = r1
js7:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as8
    r1 = 9
    *(u64 *)(r10 -8) = r1
    goto js8
as8:
    r1 = 108
    *(u64 *)(r10 -8) = r1
js8:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto as9
    r1 = 10
    *(u64 *)(r10 -8) = r1
    goto js9
as9:
    r1 = 109
    *(u64 *)(r10 -8) = r1
js9:
    r7 = *(u64 *)(r10 -8)
    r8 += r7
    r0 = 0
    exit
### prec_fill_offset_first xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r7 = *(u64 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_store_via_ptr_first xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r6 = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r6 = r1
j:
    r9 = r10
    r9 += -8
    *(u64 *)(r9 +0) = r6
    r7 = *(u64 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_fill_via_ptr_first xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = r10
    r9 += -8
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_fill_via_spilled_ptr_first xdp
    r9 = r10
    r9 += -8
    *(u64 *)(r10 -16) = r9
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_fill_via_ptr_spilled_via_ptr_first xdp
    r9 = r10
    r9 += -8
    r8 = r10
    r8 += -16
    *(u64 *)(r8 +0) = r9
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_callee_spills_stack_ptr_to_caller_first xdp
    r1 = r10
    r1 += -16
    call sub
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
sub:
    r2 = r1
    r2 += 8
    *(u64 *)(r1 +0) = r2
    r0 = 0
    exit
### prec_callee_stores_caller_first xdp
    r1 = r10
    r1 += -8
    call sub
    r7 = *(u64 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
sub:
    r6 = r1
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r8 = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r8 = r1
j:
    *(u64 *)(r6 +0) = r8
    r0 = 0
    exit
### prec_fill_offset_u32_first xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
    goto j
a:
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
j:
    r7 = *(u32 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_fill_offset_second xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r7 = *(u64 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_store_via_ptr_second xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r6 = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r6 = r1
j:
    r9 = r10
    r9 += -8
    *(u64 *)(r9 +0) = r6
    r7 = *(u64 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_fill_via_ptr_second xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = r10
    r9 += -8
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_fill_via_spilled_ptr_second xdp
    r9 = r10
    r9 += -8
    *(u64 *)(r10 -16) = r9
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_fill_via_ptr_spilled_via_ptr_second xdp
    r9 = r10
    r9 += -8
    r8 = r10
    r8 += -16
    *(u64 *)(r8 +0) = r9
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_callee_spills_stack_ptr_to_caller_second xdp
    r1 = r10
    r1 += -16
    call sub
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u64 *)(r10 -8) = r1
j:
    r9 = *(u64 *)(r10 -16)
    r7 = *(u64 *)(r9 +0)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
sub:
    r2 = r1
    r2 += 8
    *(u64 *)(r1 +0) = r2
    r0 = 0
    exit
### prec_callee_stores_caller_second xdp
    r1 = r10
    r1 += -8
    call sub
    r7 = *(u64 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
sub:
    r6 = r1
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r8 = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    r8 = r1
j:
    *(u64 *)(r6 +0) = r8
    r0 = 0
    exit
### prec_fill_offset_u32_second xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
    goto j
a:
    r1 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
j:
    r7 = *(u32 *)(r10 -8)
    r1 = r10
    r1 += -64
    r1 += r7
    r0 = *(u8 *)(r1 +0)
    r0 = 2
    exit
### prec_const_key_first xdp map=array:4:8:1
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
    goto j
a:
    r1 = 3
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
j:
    r2 = r10
    r2 += -8
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r1 = *(u64 *)(r0 +0)
    r0 = 2
    exit
### prec_const_key_second xdp map=array:4:8:1
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r1 = 3
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
    goto j
a:
    r1 = 0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    *(u32 *)(r10 -8) = r1
j:
    r2 = r10
    r2 += -8
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r1 = *(u64 *)(r0 +0)
    r0 = 2
    exit
### prec_bt_alu_chain_first xdp map=array:4:8:1
    r9 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r8 = r0
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 10
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r7 = r6
    r7 += 1
    r9 = 2
    r9 += r7
    r9 <<= 1
    r8 += r9
    r0 = *(u8 *)(r8 +0)
    r0 = 2
    exit
out:
    r0 = 2
    exit
### prec_bt_alu_chain_second xdp map=array:4:8:1
    r9 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r8 = r0
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 10
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r7 = r6
    r7 += 1
    r9 = 2
    r9 += r7
    r9 <<= 1
    r8 += r9
    r0 = *(u8 *)(r8 +0)
    r0 = 2
    exit
out:
    r0 = 2
    exit
### prec_bt_decided_branch_first xdp
    r9 = 0
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 1
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r2 = 2
    r3 = 3
    if r6 == 0 goto out
    r0 = *(u64 *)(r9 +0)
    r0 = 2
    exit
out:
    r0 = 2
    exit
### prec_bt_decided_branch_second xdp
    r9 = 0
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 1
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r2 = 2
    r3 = 3
    if r6 == 0 goto out
    r0 = *(u64 *)(r9 +0)
    r0 = 2
    exit
out:
    r0 = 2
    exit
### prec_bt_call_arg_first xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r1 = r6
    call sub
    r0 = 2
    exit
sub:
    r2 = r10
    r2 += -16
    r2 += r1
    r0 = *(u8 *)(r2 +0)
    r0 = 0
    exit
### prec_bt_call_arg_second xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 600
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r1 = r6
    call sub
    r0 = 2
    exit
sub:
    r2 = r10
    r2 += -16
    r2 += r1
    r0 = *(u8 *)(r2 +0)
    r0 = 0
    exit
### prec_bt_call_ret_first xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 599
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 7
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r1 = r6
    call sub
    r2 = r10
    r2 += -16
    r2 += r0
    r0 = *(u8 *)(r2 +0)
    r0 = 2
    exit
sub:
    r0 = r1
    r0 += 1
    exit
### prec_bt_call_ret_second xdp
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 7
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 599
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r1 = r6
    call sub
    r2 = r10
    r2 += -16
    r2 += r0
    r0 = *(u8 *)(r2 +0)
    r0 = 2
    exit
sub:
    r0 = r1
    r0 += 1
    exit
### prec_bt_linked_first xdp map=array:4:16:1
    r9 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r8 = r0
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    call bpf_get_prandom_u32#7
    r6 = r0
    call bpf_get_prandom_u32#7
    r7 = r0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    call bpf_get_prandom_u32#7
    r6 = r0
    r7 = r6
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    if r7 > 10 goto out
    r8 += r6
    r0 = *(u8 *)(r8 +0)
    r0 = 2
    exit
out:
    r0 = 2
    exit
### prec_bt_linked_second xdp map=array:4:16:1
    r9 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r8 = r0
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    call bpf_get_prandom_u32#7
    r6 = r0
    r7 = r6
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    call bpf_get_prandom_u32#7
    r6 = r0
    call bpf_get_prandom_u32#7
    r7 = r0
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    if r7 > 10 goto out
    r8 += r6
    r0 = *(u8 *)(r8 +0)
    r0 = 2
    exit
out:
    r0 = 2
    exit
### prec_bt_size_arg_first xdp
    r9 = r1
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 16
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r1 = r9
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = r6
    call bpf_xdp_load_bytes#189
    r0 = 2
    exit
### prec_bt_size_arg_second xdp
    r9 = r1
    call bpf_get_prandom_u32#7
    if r0 > 7 goto p1
    r2 = 1
p1:
    call bpf_get_prandom_u32#7
    if r0 > 9 goto p2
    r2 = 2
p2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a
    r6 = 8
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
    goto j
a:
    r6 = 16
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    r2 = 2
    r3 = 3
j:
    r1 = r9
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = r6
    call bpf_xdp_load_bytes#189
    r0 = 2
    exit
### prec_bt_undecided_diamonds xdp
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a0
    r1 = 0
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -8) = r1
    goto j0
a0:
    r1 = 100
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -8) = r1
j0:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a1
    r1 = 1
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -16) = r1
    goto j1
a1:
    r1 = 101
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -16) = r1
j1:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a2
    r1 = 2
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -24) = r1
    goto j2
a2:
    r1 = 102
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -24) = r1
j2:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a3
    r1 = 3
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -32) = r1
    goto j3
a3:
    r1 = 103
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -32) = r1
j3:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a4
    r1 = 4
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -40) = r1
    goto j4
a4:
    r1 = 104
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -40) = r1
j4:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a5
    r1 = 5
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -48) = r1
    goto j5
a5:
    r1 = 105
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -48) = r1
j5:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a6
    r1 = 6
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -56) = r1
    goto j6
a6:
    r1 = 106
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -56) = r1
j6:
    call bpf_get_prandom_u32#7
    r0 &= 1
    if r0 == 0 goto a7
    r1 = 7
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -64) = r1
    goto j7
a7:
    r1 = 107
    r2 = 2
    r3 = 3
    r4 = 4
    *(u64 *)(r10 -64) = r1
j7:
    r8 = *(u64 *)(r10 -8)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k0
    r2 = 2
k0:
    r8 = *(u64 *)(r10 -16)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k1
    r2 = 2
k1:
    r8 = *(u64 *)(r10 -24)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k2
    r2 = 2
k2:
    r8 = *(u64 *)(r10 -32)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k3
    r2 = 2
k3:
    r8 = *(u64 *)(r10 -40)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k4
    r2 = 2
k4:
    r8 = *(u64 *)(r10 -48)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k5
    r2 = 2
k5:
    r8 = *(u64 *)(r10 -56)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k6
    r2 = 2
k6:
    r8 = *(u64 *)(r10 -64)
    call bpf_get_prandom_u32#7
    if r8 > r0 goto k7
    r2 = 2
k7:
    r0 = 2
    exit
### prec_bt_fallback_propagates socket_filter
    ; A legacy packet load that a decided jump needs makes the history fall back:
    ; the checkpoint at j compares every scalar (mark_all_scalars_precise). The
    ; state pruned there must still mark r8 precise at c (propagate_precision), or
    ; the r8 = 56 path is pruned at c against r8 = 0 and its bad write never seen.
    r6 = r1
    call bpf_get_prandom_u32#7
    r9 = r0
    r8 = 0
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    if r9 & 1 goto b
    r1 += 1
    r2 += 1
    r3 += 1
    if r9 & 16 goto a2
a2:
    r4 += 1
    r1 += 1
    r2 += 1
    r3 += 1
    r4 += 1
    goto j
b:
    r1 += 1
    r2 += 1
    if r9 & 2 goto b2
    r8 = 0
    r3 += 1
    if r9 & 32 goto m
m:
    r1 += 1
    r2 += 1
    r3 += 1
    r4 += 1
    r1 += 1
    r2 += 1
    r3 += 1
    r4 += 1
    goto c
b2:
    r8 = 56
c:
    r1 += 1
    r2 += 1
    r3 += 1
    r4 += 1
    r1 += 1
    r2 += 1
    r3 += 1
    r4 += 1
    if r9 & 4 goto j
    r1 += 1
j:
    r0 = *(u8 *)skb[0]
    if r0 > 255 goto bad
    r2 = r10
    r2 += -48
    r2 += r8
    *(u64 *)(r2 +0) = r8
    r0 = 0
    exit
bad:
    r0 = 1
    exit
