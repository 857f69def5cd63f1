### unpriv_return_ctx xdp
    r0 = r1
    exit
### unpriv_return_stack_ptr xdp
    r0 = r10
    exit
### unpriv_return_map_ptr xdp map=array:4:8:1
    r0 = map[id:0]
    exit
### unpriv_sub_returns_ptr xdp
    call sub
    r0 = 2
    exit
sub:
    r0 = r1
    exit
### unpriv_uninit_stack_read xdp
    r0 = *(u64 *)(r10 -8)
    exit
### unpriv_uninit_stack_read_allocated xdp
    r1 = 0
    *(u32 *)(r10 -16) = r1
    r0 = *(u64 *)(r10 -8)
    exit
### unpriv_uninit_stack_partial xdp
    r1 = 0
    *(u32 *)(r10 -8) = r1
    r0 = *(u64 *)(r10 -8)
    exit
### unpriv_init_stack_read xdp
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r0 = *(u64 *)(r10 -8)
    exit
### unpriv_uninit_stack_helper xdp map=hash:8:8:4
    r1 = 0
    *(u32 *)(r10 -8) = r1
    r2 = r10
    r2 += -8
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### unpriv_uninit_stack_helper_beyond xdp map=hash:8:8:4
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r2 = r10
    r2 += -16
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### unpriv_ptr_cmp_src xdp
    r2 = r10
    r0 = 0
    if r0 == r2 goto +0
    exit
### unpriv_ptr_cmp_dst_imm xdp
    r0 = 0
    if r1 == 5 goto +0
    exit
### unpriv_ptr_cmp_null_check xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r0 = 0
out:
    r0 = 2
    exit
### unpriv_ptr_cmp_predicted xdp
    r0 = 2
    if r10 != 0 goto +1
    r0 = 1
    exit
### unpriv_ptr_cmp_pkt_end xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r4 = r2
    r4 += 8
    r0 = 2
    if r4 > r3 goto +1
    r0 = *(u8 *)(r2 +0)
    r0 = 2
    exit
### unpriv_ptr_cmp_pkt_eq xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r0 = 2
    if r2 == r3 goto +1
    r0 = 1
    exit
### unpriv_ptr_sub_ptr xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r3 -= r2
    r0 = 2
    exit
### unpriv_ptr_sub32_ptr xdp
    r2 = r10
    w2 -= w1
    r0 = 2
    exit
### unpriv_ptr_partial_copy xdp
    w0 = w1
    r0 = 2
    exit
### unpriv_ptr_movsx xdp
    r0 = (s32)r1
    r0 = 2
    exit
### unpriv_ptr_neg xdp
    r2 = r10
    r2 = -r2
    r0 = 2
    exit
### unpriv_ptr_bswap xdp
    r2 = r10
    r2 = be64 r2
    r0 = 2
    exit
### unpriv_ptr_into_map xdp map=array:4:8:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    *(u64 *)(r0 +0) = r6
out:
    r0 = 2
    exit
### unpriv_ptr_into_ctx sched_cls
    *(u32 *)(r1 +48) = r1
    r0 = 0
    exit
### unpriv_ptr_into_packet xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto +1
    *(u64 *)(r2 +0) = r2
    r0 = 2
    exit
### unpriv_ptr_atomic_into_map xdp map=array:4:8:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    lock *(u64 *)(r0 +0) += r6
out:
    r0 = 2
    exit
### unpriv_ptr_into_helper xdp map=array:4:8:4
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -8
    r4 = r10
    r1 = map[id:0]
    call bpf_map_update_elem#2
    r0 = 2
    exit
### unpriv_ptr_spill_stack xdp
    *(u64 *)(r10 -8) = r1
    r6 = *(u64 *)(r10 -8)
    r0 = 2
    exit
### unpriv_stack_ptr_out_of_range xdp
    r2 = r10
    r2 += 8
    r0 = 2
    exit
### unpriv_stack_ptr_at_fp xdp
    r2 = r10
    r2 += -8
    r2 += 8
    r0 = 2
    exit
### unpriv_stack_ptr_var xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r4 = r2
    r4 += 1
    r0 = 2
    if r4 > r3 goto out
    r4 = *(u8 *)(r2 +0)
    r4 &= 7
    r5 = r10
    r5 += -16
    r5 += r4
out:
    r0 = 2
    exit
### unpriv_map_value_end xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r0 += 8
out:
    r0 = 2
    exit
### unpriv_map_value_inside xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r0 += 7
    r1 = *(u8 *)(r0 +0)
out:
    r0 = 2
    exit
### unpriv_pkt_add_var xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 +0)
    r5 &= 15
    r2 += r5
out:
    r0 = 2
    exit
### unpriv_map_value_add_mixed xdp map=array:4:64:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 +0)
    if r1 s> 8 goto out
    if r1 s< -8 goto out
    r0 += r1
out:
    r0 = 2
    exit
### unpriv_map_value_add_var xdp map=array:4:64:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 +0)
    r1 &= 31
    r0 += r1
    r1 = *(u8 *)(r0 +0)
out:
    r0 = 2
    exit
### unpriv_spec_dead_branch_uninit xdp
    r1 = 0
    if r1 == 0 goto +1
    r0 = *(u64 *)(r10 -8)
    r0 = 2
    exit
### unpriv_trace_printk xdp
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_trace_printk#6
    r0 = 2
    exit
### unpriv_ktime xdp
    call bpf_ktime_get_ns#5
    r0 = 2
    exit
### unpriv_uninit_stack_helper_hole xdp map=hash:8:8:4
    r1 = 0
    *(u64 *)(r10 -16) = r1
    r2 = r10
    r2 += -8
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### unpriv_map_value_paths xdp map=array:4:64:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = 4
    r2 = *(u32 *)(r6 +12)
    if r2 == 3 goto add
    r1 = 8
add:
    r0 += r1
out:
    r0 = 2
    exit
### unpriv_stack_add_reg_const xdp
    r1 = -8
    r2 = r10
    r2 += r1
    r0 = 2
    exit
### unpriv_scalar_sub_ptr xdp
    r2 = 5
    r2 -= r10
    r0 = 2
    exit
### unpriv_get_current_task xdp
    call bpf_get_current_task#35
    r0 = 2
    exit
### unpriv_probe_read_kernel xdp
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel#113
    r0 = 2
    exit
### unpriv_trace_vprintk xdp
    r1 = 0
    *(u64 *)(r10 -8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    r4 = 0
    call bpf_trace_vprintk#177
    r0 = 2
    exit
### unpriv_ptr_cmp_pkt_pkt xdp
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r4 = r2
    r0 = 2
    if r2 > r4 goto +1
    r0 = 1
    exit
### unpriv_ptr_cmp_map_value_nonnull xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    if r0 != 0 goto out
    r0 = 1
out:
    r0 = 2
    exit
### unpriv_scalar_sub_pkt xdp
    r2 = *(u32 *)(r1 +0)
    r3 = 5
    r3 -= r2
    r0 = 2
    exit
### unpriv_ktime_coarse xdp
    call bpf_ktime_get_coarse_ns#160
    r0 = 2
    exit
### unpriv_ktime_coarse_tc sched_cls
    call bpf_ktime_get_coarse_ns#160
    r0 = 0
    exit
### unpriv_ptr_movsx32 xdp
    w0 = (s8)w1
    r0 = 2
    exit
### unpriv_ptr_spill_fill_helper xdp map=hash:8:8:4
    *(u64 *)(r10 -8) = r1
    r2 = r10
    r2 += -8
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### unpriv_probe_read_user xdp
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_user#112
    r0 = 2
    exit
### unpriv_probe_read_user_str xdp
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_user_str#114
    r0 = 2
    exit
### unpriv_probe_read_kernel_str xdp
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel_str#115
    r0 = 2
    exit
### unpriv_get_current_task_btf xdp
    call bpf_get_current_task_btf#158
    r0 = 2
    exit
### unpriv_stale_pkt_after_adjust xdp
    r6 = r1
    r7 = *(u32 *)(r6 +0)
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head#44
    r0 = r7
    r0 = 2
    exit
### unpriv_ringbuf_submitted_read xdp map=ringbuf:0:0:4096
    r1 = map[id:0]
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve#131
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit#132
    r0 = r6
out:
    r0 = 2
    exit
