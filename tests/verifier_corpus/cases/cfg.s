### ret_zero xdp
    r0 = 0
    exit
### jump_out_of_range xdp
    r0 = 0
    if r0 == 0 goto pc+5
    exit
### jump_backwards_out xdp
    r0 = 0
    goto pc-3
    exit
### last_not_exit xdp
    r0 = 0
    r0 += 1
### unreachable_insn xdp
    r0 = 0
    exit
    r0 = 1
    exit
### unreachable_after_goto xdp
    r0 = 0
    goto pc+1
    r0 = 1
    exit
### dead_branch_ok xdp
    r0 = 0
    if r0 != 0 goto pc+1
    exit
    r0 = *(u64 *)(r0 +0)
    exit
### exit_r0_uninit xdp
    exit
### read_uninit_reg xdp
    r0 = r5
    exit
### write_fp xdp
    r10 = 0
    r0 = 0
    exit
### infinite_loop_counter xdp
    r1 = 0
loop:
    r1 += 1
    goto loop
### infinite_loop_same_state xdp
    r0 = 0
loop:
    goto loop
### infinite_loop_cond xdp
    r0 = 0
loop:
    if r0 == 0 goto loop
    exit
### bounded_loop xdp
    r1 = 0
loop:
    r1 += 1
    if r1 < 100 goto loop
    r0 = 0
    exit
### bounded_loop_sum xdp
    r1 = 0
    r0 = 0
loop:
    r0 += r1
    r1 += 1
    if r1 < 64 goto loop
    r0 &= 1
    exit
### bounded_loop_jmp32 xdp
    w1 = 0
loop:
    w1 += 3
    if w1 < 300 goto loop
    r0 = 0
    exit
### loop_on_packet_len xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r0 = 0
    r4 = 0
loop:
    r5 = r2
    r5 += 1
    if r5 > r3 goto out
    r0 += 1
    r2 = r5
    r4 += 1
    if r4 < 40 goto loop
out:
    r0 = 2
    exit
### branchy_join xdp
    r2 = *(u32 *)(r1 +16)
    r0 = 0
    if r2 == 1 goto a
    r3 = 1
    goto b
a:
    r3 = 2
b:
    if r2 == 2 goto c
    r4 = 1
    goto d
c:
    r4 = 2
d:
    r0 = r3
    r0 += r4
    exit
### diamonds_imprecise_sum xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 32
    if r1 > r3 goto out
    r6 = 0
    r4 = *(u8 *)(r2 +0)
    if r4 > 100 goto a0
    r6 += 1
    goto b0
a0:
    r6 += 2
b0:
    r4 = *(u8 *)(r2 +1)
    if r4 > 100 goto a1
    r6 += 1
    goto b1
a1:
    r6 += 2
b1:
    r4 = *(u8 *)(r2 +2)
    if r4 > 100 goto a2
    r6 += 1
    goto b2
a2:
    r6 += 2
b2:
    r4 = *(u8 *)(r2 +3)
    if r4 > 100 goto a3
    r6 += 1
    goto b3
a3:
    r6 += 2
b3:
    r4 = *(u8 *)(r2 +4)
    if r4 > 100 goto a4
    r6 += 1
    goto b4
a4:
    r6 += 2
b4:
    r4 = *(u8 *)(r2 +5)
    if r4 > 100 goto a5
    r6 += 1
    goto b5
a5:
    r6 += 2
b5:
    r4 = *(u8 *)(r2 +6)
    if r4 > 100 goto a6
    r6 += 1
    goto b6
a6:
    r6 += 2
b6:
    r4 = *(u8 *)(r2 +7)
    if r4 > 100 goto a7
    r6 += 1
    goto b7
a7:
    r6 += 2
b7:
    r4 = *(u8 *)(r2 +8)
    if r4 > 100 goto a8
    r6 += 1
    goto b8
a8:
    r6 += 2
b8:
    r4 = *(u8 *)(r2 +9)
    if r4 > 100 goto a9
    r6 += 1
    goto b9
a9:
    r6 += 2
b9:
    r4 = *(u8 *)(r2 +10)
    if r4 > 100 goto a10
    r6 += 1
    goto b10
a10:
    r6 += 2
b10:
    r4 = *(u8 *)(r2 +11)
    if r4 > 100 goto a11
    r6 += 1
    goto b11
a11:
    r6 += 2
b11:
    r4 = *(u8 *)(r2 +12)
    if r4 > 100 goto a12
    r6 += 1
    goto b12
a12:
    r6 += 2
b12:
    r4 = *(u8 *)(r2 +13)
    if r4 > 100 goto a13
    r6 += 1
    goto b13
a13:
    r6 += 2
b13:
    r4 = *(u8 *)(r2 +14)
    if r4 > 100 goto a14
    r6 += 1
    goto b14
a14:
    r6 += 2
b14:
    r4 = *(u8 *)(r2 +15)
    if r4 > 100 goto a15
    r6 += 1
    goto b15
a15:
    r6 += 2
b15:
    r4 = *(u8 *)(r2 +16)
    if r4 > 100 goto a16
    r6 += 1
    goto b16
a16:
    r6 += 2
b16:
    r4 = *(u8 *)(r2 +17)
    if r4 > 100 goto a17
    r6 += 1
    goto b17
a17:
    r6 += 2
b17:
    r4 = *(u8 *)(r2 +18)
    if r4 > 100 goto a18
    r6 += 1
    goto b18
a18:
    r6 += 2
b18:
    r4 = *(u8 *)(r2 +19)
    if r4 > 100 goto a19
    r6 += 1
    goto b19
a19:
    r6 += 2
b19:
    r4 = *(u8 *)(r2 +20)
    if r4 > 100 goto a20
    r6 += 1
    goto b20
a20:
    r6 += 2
b20:
    r4 = *(u8 *)(r2 +21)
    if r4 > 100 goto a21
    r6 += 1
    goto b21
a21:
    r6 += 2
b21:
    r4 = *(u8 *)(r2 +22)
    if r4 > 100 goto a22
    r6 += 1
    goto b22
a22:
    r6 += 2
b22:
    r4 = *(u8 *)(r2 +23)
    if r4 > 100 goto a23
    r6 += 1
    goto b23
a23:
    r6 += 2
b23:
    *(u32 *)(r10 -8) = r6
out:
    r0 = 2
    exit
### diamonds_precise_offset xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 64
    if r1 > r3 goto out
    r6 = 0
    r4 = *(u8 *)(r2 +0)
    if r4 > 100 goto a0
    r6 += 1
    goto b0
a0:
    r6 += 2
b0:
    r4 = *(u8 *)(r2 +1)
    if r4 > 100 goto a1
    r6 += 1
    goto b1
a1:
    r6 += 2
b1:
    r4 = *(u8 *)(r2 +2)
    if r4 > 100 goto a2
    r6 += 1
    goto b2
a2:
    r6 += 2
b2:
    r4 = *(u8 *)(r2 +3)
    if r4 > 100 goto a3
    r6 += 1
    goto b3
a3:
    r6 += 2
b3:
    r4 = *(u8 *)(r2 +4)
    if r4 > 100 goto a4
    r6 += 1
    goto b4
a4:
    r6 += 2
b4:
    r4 = *(u8 *)(r2 +5)
    if r4 > 100 goto a5
    r6 += 1
    goto b5
a5:
    r6 += 2
b5:
    r2 += r6
    r0 = *(u8 *)(r2 +51)
out:
    r0 = 2
    exit
### diamonds_precise_offset_over xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r2
    r1 += 64
    if r1 > r3 goto out
    r6 = 0
    r4 = *(u8 *)(r2 +0)
    if r4 > 100 goto a0
    r6 += 1
    goto b0
a0:
    r6 += 2
b0:
    r4 = *(u8 *)(r2 +1)
    if r4 > 100 goto a1
    r6 += 1
    goto b1
a1:
    r6 += 2
b1:
    r4 = *(u8 *)(r2 +2)
    if r4 > 100 goto a2
    r6 += 1
    goto b2
a2:
    r6 += 2
b2:
    r4 = *(u8 *)(r2 +3)
    if r4 > 100 goto a3
    r6 += 1
    goto b3
a3:
    r6 += 2
b3:
    r4 = *(u8 *)(r2 +4)
    if r4 > 100 goto a4
    r6 += 1
    goto b4
a4:
    r6 += 2
b4:
    r4 = *(u8 *)(r2 +5)
    if r4 > 100 goto a5
    r6 += 1
    goto b5
a5:
    r6 += 2
b5:
    r2 += r6
    r0 = *(u8 *)(r2 +52)
out:
    r0 = 2
    exit
