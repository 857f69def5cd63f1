### map_lookup_null_checked xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 +0)
out:
    r0 = 2
    exit
### map_lookup_no_null_check xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r1 = *(u64 *)(r0 +0)
    r0 = 2
    exit
### map_lookup_uninit_key xdp map=hash:4:8:4
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### map_lookup_key_past_stack xdp map=hash:8:8:4
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### map_value_off_past_end xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 +4)
out:
    r0 = 2
    exit
### map_value_unbounded_index xdp map=array:4:64:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 +16)
    r0 += r1
    r1 = *(u8 *)(r0 +0)
out:
    r0 = 2
    exit
### map_value_masked_index xdp map=array:4:64:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 +16)
    r1 &= 63
    r0 += r1
    r1 = *(u8 *)(r0 +0)
out:
    r0 = 2
    exit
### map_value_masked_too_wide xdp map=array:4:64:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 +16)
    r1 &= 63
    r0 += r1
    r1 = *(u16 *)(r0 +0)
out:
    r0 = 2
    exit
### map_value_signed_index xdp map=array:4:64:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 +16)
    r1 = (s8)r1
    r0 += r1
    r1 = *(u8 *)(r0 +0)
out:
    r0 = 2
    exit
### map_value_bounded_by_jump xdp map=array:4:64:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 +16)
    if r1 > 56 goto out
    r0 += r1
    r1 = *(u64 *)(r0 +0)
out:
    r0 = 2
    exit
### map_value_bounded_off_by_one xdp map=array:4:64:4
    r6 = r1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 == 0 goto out
    r1 = *(u32 *)(r6 +16)
    if r1 > 57 goto out
    r0 += r1
    r1 = *(u64 *)(r0 +0)
out:
    r0 = 2
    exit
### map_value_null_arith xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 += 4
    r0 = 2
    exit
### map_null_check_copy xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r6 = r0
    if r0 == 0 goto out
    r1 = *(u64 *)(r6 +0)
out:
    r0 = 2
    exit
### map_null_check_jne xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    if r0 != 0 goto use
    r0 = 2
    exit
use:
    r1 = 1
    *(u64 *)(r0 +0) = r1
    r0 = 2
    exit
### map_null_spill_fill xdp map=array:4:8:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    *(u64 *)(r10 -16) = r0
    if r0 == 0 goto out
    r6 = *(u64 *)(r10 -16)
    r1 = *(u64 *)(r6 +0)
out:
    r0 = 2
    exit
### map_update_ok xdp map=hash:4:8:16
    r1 = 0
    *(u32 *)(r10 -4) = r1
    *(u64 *)(r10 -16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r1 = map[id:0]
    r4 = 0
    call bpf_map_update_elem#2
    r0 = 2
    exit
### map_arg_scalar xdp
    r1 = 0
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### map_key_scalar xdp map=hash:4:8:16
    r1 = map[id:0]
    r2 = 0
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### map_key_ctx xdp map=hash:4:8:16
    r2 = r1
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### map_lookup_prog_array xdp map=prog_array:4:4:4
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem#1
    r0 = 2
    exit
### tail_call_ok xdp map=prog_array:4:4:4
    r2 = map[id:0]
    r3 = 0
    call bpf_tail_call#12
    r0 = 2
    exit
### tail_call_wrong_map xdp map=array:4:4:4
    r2 = map[id:0]
    r3 = 0
    call bpf_tail_call#12
    r0 = 2
    exit
### tail_call_r0_after xdp map=prog_array:4:4:4
    r2 = map[id:0]
    r3 = 0
    call bpf_tail_call#12
    exit
### helper_clobbers_r1 xdp
    call bpf_get_prandom_u32#7
    r0 = r1
    exit
### helper_keeps_r6 xdp
    r6 = 3
    call bpf_get_prandom_u32#7
    r0 = r6
    exit
### skb_load_bytes_from_xdp xdp
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes#26
    r0 = 2
    exit
### skb_load_bytes_tc sched_cls
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes#26
    r0 = 0
    exit
### skb_load_bytes_zero_len sched_cls
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_skb_load_bytes#26
    r0 = 0
    exit
### skb_load_bytes_too_long sched_cls
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 16
    call bpf_skb_load_bytes#26
    r0 = 0
    exit
### skb_load_bytes_unbounded sched_cls
    r6 = r1
    r4 = *(u32 *)(r6 +0)
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -64
    call bpf_skb_load_bytes#26
    r0 = 0
    exit
### skb_load_bytes_bounded sched_cls
    r6 = r1
    r4 = *(u32 *)(r6 +0)
    r4 &= 31
    r4 += 1
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -64
    call bpf_skb_load_bytes#26
    r0 = 0
    exit
### skb_load_bytes_modified_ctx sched_cls
    r1 += 8
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call bpf_skb_load_bytes#26
    r0 = 0
    exit
### unknown_helper xdp
    call 999
    r0 = 2
    exit
### trace_printk_stack xdp
    r1 = 0x0a6968
    *(u64 *)(r10 -8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_trace_printk#6
    r0 = 2
    exit
### redirect_map_ok xdp map=devmap:4:4:4
    r1 = map[id:0]
    r2 = 0
    r3 = 0
    call bpf_redirect_map#51
    exit
### redirect_map_wrong_map xdp map=array:4:4:4
    r1 = map[id:0]
    r2 = 0
    r3 = 0
    call bpf_redirect_map#51
    exit
### ringbuf_reserve_submit xdp map=ringbuf:0:0:4096
    r1 = map[id:0]
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve#131
    if r0 == 0 goto out
    r1 = 5
    *(u64 *)(r0 +0) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit#132
out:
    r0 = 2
    exit
### ringbuf_leak xdp map=ringbuf:0:0:4096
    r1 = map[id:0]
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve#131
    if r0 == 0 goto out
    r1 = 5
    *(u64 *)(r0 +0) = r1
out:
    r0 = 2
    exit
### ringbuf_no_null_check xdp map=ringbuf:0:0:4096
    r1 = map[id:0]
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve#131
    r1 = 5
    *(u64 *)(r0 +0) = r1
    r0 = 2
    exit
### ringbuf_write_past xdp map=ringbuf:0:0:4096
    r1 = map[id:0]
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve#131
    if r0 == 0 goto out
    r1 = 5
    *(u64 *)(r0 +4) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit#132
out:
    r0 = 2
    exit
### ringbuf_use_after_submit xdp map=ringbuf:0:0:4096
    r1 = map[id:0]
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve#131
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit#132
    r1 = 5
    *(u64 *)(r6 +0) = r1
out:
    r0 = 2
    exit
### ringbuf_size_unknown xdp map=ringbuf:0:0:4096
    r2 = *(u32 *)(r1 +16)
    r1 = map[id:0]
    r3 = 0
    call bpf_ringbuf_reserve#131
    r0 = 2
    exit
