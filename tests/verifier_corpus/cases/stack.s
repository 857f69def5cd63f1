### stack_write_above_fp xdp
    *(u64 *)(r10 +8) = r1
    r0 = 0
    exit
### stack_write_at_fp xdp
    *(u64 *)(r10 +0) = r1
    r0 = 0
    exit
### stack_read_above_fp xdp
    r0 = *(u64 *)(r10 +8)
    exit
### stack_too_deep xdp
    r1 = 0
    *(u64 *)(r10 -520) = r1
    r0 = 0
    exit
### stack_read_too_deep xdp
    r0 = *(u64 *)(r10 -520)
    exit
### stack_deepest_ok xdp
    r1 = 0
    *(u64 *)(r10 -512) = r1
    r0 = *(u64 *)(r10 -512)
    exit
### stack_read_uninit xdp
    r0 = *(u64 *)(r10 -8)
    exit
### stack_misaligned xdp
    r1 = 0
    *(u64 *)(r10 -4) = r1
    r0 = 0
    exit
### stack_misaligned_read xdp
    r0 = *(u32 *)(r10 -6)
    exit
### stack_zero_fill xdp
    *(u64 *)(r10 -8) = 0
    r0 = *(u64 *)(r10 -8)
    exit
### stack_spill_ctx_fill xdp
    *(u64 *)(r10 -8) = r1
    r6 = *(u64 *)(r10 -8)
    r0 = *(u32 *)(r6 +12)
    exit
### stack_spill_partial_ptr xdp
    *(u32 *)(r10 -8) = r1
    r0 = 0
    exit
### stack_fill_partial_ptr xdp
    *(u64 *)(r10 -8) = r1
    r0 = *(u32 *)(r10 -8)
    exit
### stack_spill_scalar_bounds xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r4 = *(u32 *)(r1 +16)
    r4 &= 7
    *(u64 *)(r10 -8) = r4
    r5 = *(u64 *)(r10 -8)
    r1 = r2
    r1 += 8
    if r1 > r3 goto out
    r2 += r5
    r0 = *(u8 *)(r2 +0)
out:
    r0 = 2
    exit
### stack_var_offset_write xdp
    r2 = *(u32 *)(r1 +16)
    r2 &= 7
    r3 = r10
    r3 += -16
    r3 += r2
    r4 = 0
    *(u8 *)(r3 +0) = r4
    r0 = 0
    exit
### stack_var_offset_oob xdp
    r2 = *(u32 *)(r1 +16)
    r2 &= 31
    r3 = r10
    r3 += -16
    r3 += r2
    r4 = 0
    *(u8 *)(r3 +0) = r4
    r0 = 0
    exit
### stack_ptr_arith_read xdp
    r1 = 7
    *(u64 *)(r10 -16) = r1
    r2 = r10
    r2 += -16
    r0 = *(u64 *)(r2 +0)
    exit
### st_into_ctx xdp
    *(u32 *)(r1 +12) = 0
    r0 = 0
    exit
