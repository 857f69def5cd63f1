### div_by_zero_imm xdp
    r0 = 5
    r0 /= 0
    exit
### div_by_zero_reg xdp
    r0 = 5
    r1 = 0
    r0 /= r1
    exit
### mod_by_zero_imm xdp
    r0 = 5
    r0 %= 0
    exit
### shift_too_far xdp
    r0 = 1
    r0 <<= 64
    exit
### shift32_too_far xdp
    w0 = 1
    w0 <<= 32
    exit
### shift_ok xdp
    r0 = 1
    r0 <<= 63
    r0 >>= 63
    exit
### ptr_arith_32bit xdp
    w1 += 4
    r0 = 0
    exit
### ptr_and xdp
    r1 &= 255
    r0 = 0
    exit
### ptr_mul xdp
    r1 *= 2
    r0 = 0
    exit
### ptr_plus_ptr xdp
    r2 = r10
    r1 += r2
    r0 = 0
    exit
### ptr_minus_ptr xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r3 -= r2
    r0 = r3
    r0 &= 1
    exit
### scalar_minus_ptr xdp
    r2 = 5
    r2 -= r1
    r0 = 0
    exit
### fp_sub_const xdp
    r1 = r10
    r1 -= 8
    r0 = 0
    exit
### scalar_deref xdp
    r1 = 0
    r0 = *(u8 *)(r1 +0)
    exit
### scalar_deref_nonzero xdp
    r1 = 4096
    r0 = *(u64 *)(r1 +0)
    exit
### neg_scalar xdp
    r0 = 5
    r0 = -r0
    r0 += 5
    exit
### mov32_ptr xdp
    w0 = w1
    r0 &= 1
    exit
### ret_pointer xdp
    r0 = r1
    exit
### ret_large xdp
    r0 = 100
    exit
### ret_negative xdp
    r0 = -1
    exit
### end_swap xdp
    r0 = 0x1234
    r0 = be16 r0
    exit
### jset_refine xdp
    r2 = *(u32 *)(r1 +16)
    r0 = 0
    if r2 & 1 goto out
    r0 = 1
out:
    exit
### sdiv_v4 xdp
    r0 = -7
    r0 s/= 2
    exit
### movsx_v4 xdp
    r0 = 255
    r0 = (s8)r0
    r0 += 1
    exit
### lddw_const xdp
    r0 = 0x123456789 ll
    r0 >>= 32
    exit
### atomic_stack xdp
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r2 = 1
    lock *(u64 *)(r10 -8) += r2
    r0 = *(u64 *)(r10 -8)
    exit
### atomic_ctx xdp
    r2 = 1
    lock *(u32 *)(r1 +12) += r2
    r0 = 0
    exit
### atomic_fetch_stack xdp
    r1 = 5
    *(u64 *)(r10 -8) = r1
    r2 = 1
    r2 = atomic64_fetch_add((u64 *)(r10 -8), r2)
    r0 = r2
    exit
