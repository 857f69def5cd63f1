### pkt_read_checked xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 14
    if r1 > r3 goto out
    r0 = *(u8 *)(r2 +13)
out:
    r0 = 2
    exit
### pkt_read_unchecked xdp
    r2 = *(u32 *)(r1 +0)
    r0 = *(u8 *)(r2 +0)
    r0 = 2
    exit
### pkt_off_by_one xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 14
    if r1 > r3 goto out
    r0 = *(u8 *)(r2 +14)
out:
    r0 = 2
    exit
### pkt_jlt_right_open xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 14
    if r1 < r3 goto ok
    r0 = 1
    exit
ok:
    r0 = *(u8 *)(r2 +14)
    r0 = 2
    exit
### pkt_jge_fallthrough xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 8
    if r1 >= r3 goto out
    r0 = *(u8 *)(r2 +8)
out:
    r0 = 2
    exit
### pkt_jle_taken xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 8
    if r1 <= r3 goto ok
    r0 = 1
    exit
ok:
    r0 = *(u64 *)(r2 +0)
    r0 = 2
    exit
### pkt_jle_taken_overread xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 8
    if r1 <= r3 goto ok
    r0 = 1
    exit
ok:
    r0 = *(u64 *)(r2 +1)
    r0 = 2
    exit
### pkt_end_on_left xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 4
    if r3 < r1 goto out
    r0 = *(u32 *)(r2 +0)
out:
    r0 = 2
    exit
### pkt_end_gt_taken xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 4
    if r3 > r1 goto ok
    r0 = 1
    exit
ok:
    r0 = *(u8 *)(r2 +4)
    r0 = 2
    exit
### pkt_write_checked xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 2
    if r1 > r3 goto out
    *(u16 *)(r2 +0) = 7
out:
    r0 = 2
    exit
### pkt_var_offset_masked xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 1
    if r1 > r3 goto out
    r4 = *(u8 *)(r2 +0)
    r4 &= 15
    r2 += r4
    r5 = r2
    r5 += 4
    if r5 > r3 goto out
    r0 = *(u32 *)(r2 +0)
out:
    r0 = 2
    exit
### pkt_var_offset_unmasked xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r4 = *(u64 *)(r2 +0)
    r2 += r4
    r5 = r2
    r5 += 4
    if r5 > r3 goto out
    r0 = *(u32 *)(r2 +0)
out:
    r0 = 2
    exit
### pkt_var_offset_u32 xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r4 = *(u32 *)(r2 +0)
    r2 += r4
    r5 = r2
    r5 += 4
    if r5 > r3 goto out
    r0 = *(u32 *)(r2 +0)
out:
    r0 = 2
    exit
### pkt_var_offset_before_check xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 1
    if r1 > r3 goto out
    r4 = *(u8 *)(r2 +0)
    r4 &= 15
    r5 = r2
    r5 += 20
    if r5 > r3 goto out
    r2 += r4
    r0 = *(u8 *)(r2 +0)
out:
    r0 = 2
    exit
### pkt_end_deref xdp
    r3 = *(u32 *)(r1 +4)
    r0 = *(u8 *)(r3 +0)
    r0 = 2
    exit
### pkt_end_arith xdp
    r3 = *(u32 *)(r1 +4)
    r3 += 1
    r0 = 2
    exit
### pkt_ptr_spill_fill xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    *(u64 *)(r10 -8) = r2
    *(u64 *)(r10 -16) = r3
    r6 = *(u64 *)(r10 -8)
    r7 = *(u64 *)(r10 -16)
    r1 = r6
    r1 += 14
    if r1 > r7 goto out
    r0 = *(u8 *)(r6 +13)
out:
    r0 = 2
    exit
### pkt_range_after_spill xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    *(u64 *)(r10 -8) = r2
    r1 = r2
    r1 += 14
    if r1 > r3 goto out
    r6 = *(u64 *)(r10 -8)
    r0 = *(u8 *)(r6 +13)
out:
    r0 = 2
    exit
### pkt_meta_checked xdp
    r2 = *(u32 *)(r1 +8)
    r3 = *(u32 *)(r1 +0)
    r1 = r2
    r1 += 4
    if r1 > r3 goto out
    r0 = *(u32 *)(r2 +0)
out:
    r0 = 2
    exit
### pkt_meta_unchecked xdp
    r2 = *(u32 *)(r1 +8)
    r0 = *(u32 *)(r2 +0)
    r0 = 2
    exit
### pkt_negative_offset xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 14
    if r1 > r3 goto out
    r0 = *(u8 *)(r2 -1)
out:
    r0 = 2
    exit
### pkt_cmp32_no_range xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 14
    if w1 > w3 goto out
    r0 = *(u8 *)(r2 +0)
out:
    r0 = 2
    exit
### tc_pkt_checked sched_cls
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r1 = r2
    r1 += 14
    if r1 > r3 goto out
    r0 = *(u16 *)(r2 +12)
out:
    r0 = 0
    exit
### tc_pkt_unchecked sched_cls
    r2 = *(u32 *)(r1 +76)
    r0 = *(u16 *)(r2 +12)
    r0 = 0
    exit
