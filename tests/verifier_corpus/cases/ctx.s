### xdp_ctx_write_data xdp
    r2 = 0
    *(u32 *)(r1 +0) = r2
    r0 = 2
    exit
### xdp_ctx_off_200 xdp
    r0 = *(u32 *)(r1 +200)
    r0 = 2
    exit
### xdp_ctx_ingress_ifindex xdp
    r0 = *(u32 *)(r1 +12)
    r0 = 2
    exit
### xdp_ctx_rx_queue xdp
    r0 = *(u32 *)(r1 +16)
    r0 = 2
    exit
### xdp_ctx_egress_ifindex xdp
    r0 = *(u32 *)(r1 +20)
    r0 = 2
    exit
### xdp_ctx_narrow_read xdp
    r0 = *(u16 *)(r1 +12)
    r0 = 2
    exit
### xdp_ctx_u64_read xdp
    r0 = *(u64 *)(r1 +0)
    r0 = 2
    exit
### xdp_ctx_misaligned xdp
    r0 = *(u32 *)(r1 +2)
    r0 = 2
    exit
### xdp_ctx_past_end xdp
    r0 = *(u32 *)(r1 +24)
    r0 = 2
    exit
### ctx_modified_deref xdp
    r1 += 4
    r0 = *(u32 *)(r1 +0)
    exit
### ctx_store_reg_xdp xdp
    r2 = 1
    *(u32 *)(r1 +12) = r2
    r0 = 2
    exit
### tc_read_len sched_cls
    r0 = *(u32 *)(r1 +0)
    r0 = 0
    exit
### tc_read_len_narrow sched_cls
    r0 = *(u8 *)(r1 +0)
    r0 = 0
    exit
### tc_write_mark sched_cls
    r2 = 5
    *(u32 *)(r1 +8) = r2
    r0 = 0
    exit
### tc_write_len sched_cls
    r2 = 5
    *(u32 *)(r1 +0) = r2
    r0 = 0
    exit
### tc_write_cb sched_cls
    r2 = 5
    *(u32 *)(r1 +64) = r2
    r0 = 0
    exit
### tc_write_priority sched_cls
    r2 = 5
    *(u32 *)(r1 +32) = r2
    r0 = 0
    exit
### tc_read_family sched_cls
    r0 = *(u32 *)(r1 +88)
    r0 = 0
    exit
### tc_read_tstamp sched_cls
    r0 = *(u64 *)(r1 +152)
    r0 = 0
    exit
### tc_read_tstamp_narrow sched_cls
    r0 = *(u32 *)(r1 +152)
    r0 = 0
    exit
### tc_read_data_narrow sched_cls
    r0 = *(u16 *)(r1 +76)
    r0 = 0
    exit
### tc_read_past_end sched_cls
    r0 = *(u32 *)(r1 +192)
    r0 = 0
    exit
### tc_read_flow_keys sched_cls
    r0 = *(u64 *)(r1 +144)
    r0 = 0
    exit
### sf_read_data socket_filter
    r0 = *(u32 *)(r1 +76)
    r0 = 0
    exit
### sf_read_len socket_filter
    r0 = *(u32 *)(r1 +0)
    exit
### sf_write_cb socket_filter
    r2 = 1
    *(u32 *)(r1 +48) = r2
    r0 = 0
    exit
### sf_write_mark socket_filter
    r2 = 1
    *(u32 *)(r1 +8) = r2
    r0 = 0
    exit
### sf_ld_abs socket_filter
    r6 = r1
    r0 = *(u8 *)skb[12]
    exit
### sf_ld_abs_no_r6 socket_filter
    r0 = *(u8 *)skb[12]
    exit
### xdp_ld_abs xdp
    r6 = r1
    r0 = *(u8 *)skb[12]
    exit
