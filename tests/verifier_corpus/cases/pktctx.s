### cg_pkt_read cgroup_skb
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 14
    r0 = 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 +13)
    r0 &= 1
out:
    exit
### cg_pkt_unchecked cgroup_skb
    r2 = *(u32 *)(r1 +76)
    r0 = *(u8 *)(r2 +0)
    r0 = 1
    exit
### cg_pkt_past_check cgroup_skb
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 14
    r0 = 1
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 +14)
    r0 = 1
out:
    exit
### cg_pkt_write cgroup_skb
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 14
    r0 = 1
    if r4 > r3 goto out
    r5 = 0
    *(u8 *)(r2 +0) = r5
out:
    exit
### cg_data_narrow cgroup_skb
    r2 = *(u16 *)(r1 +76)
    r0 = 1
    exit
### cg_read_tc_classid cgroup_skb
    r0 = *(u32 *)(r1 +72)
    r0 = 1
    exit
### cg_read_data_meta cgroup_skb
    r0 = *(u32 *)(r1 +140)
    r0 = 1
    exit
### cg_read_wire_len cgroup_skb
    r0 = *(u32 *)(r1 +160)
    r0 = 1
    exit
### cg_read_family cgroup_skb
    r0 = *(u32 *)(r1 +88)
    r0 = 1
    exit
### cg_read_local_port cgroup_skb
    r0 = *(u32 *)(r1 +136)
    r0 = 1
    exit
### cg_read_remote_ip6_narrow cgroup_skb
    r0 = *(u16 *)(r1 +100)
    r0 = 1
    exit
### cg_read_tstamp_type cgroup_skb
    r0 = *(u8 *)(r1 +180)
    r0 = 1
    exit
### cg_read_len_narrow cgroup_skb
    r0 = *(u16 *)(r1 +0)
    r0 = 1
    exit
### cg_write_mark cgroup_skb
    r2 = 7
    *(u32 *)(r1 +8) = r2
    r0 = 1
    exit
### cg_write_priority cgroup_skb
    r2 = 7
    *(u32 *)(r1 +32) = r2
    r0 = 1
    exit
### cg_write_cb cgroup_skb
    r2 = 7
    *(u32 *)(r1 +64) = r2
    r0 = 1
    exit
### cg_write_tstamp cgroup_skb
    r2 = 7
    *(u64 *)(r1 +152) = r2
    r0 = 1
    exit
### cg_write_tc_index cgroup_skb
    r2 = 7
    *(u32 *)(r1 +44) = r2
    r0 = 1
    exit
### cg_write_queue_mapping cgroup_skb
    r2 = 7
    *(u32 *)(r1 +12) = r2
    r0 = 1
    exit
### cg_read_sk cgroup_skb
    r2 = *(u64 *)(r1 +168)
    r0 = 1
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 +4)
    r0 &= 1
out:
    exit
### cg_helper_load_bytes cgroup_skb
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 4
    call bpf_skb_load_bytes
    r0 = 1
    exit
### cg_helper_store_bytes cgroup_skb
    r2 = 0
    *(u64 *)(r10 -8) = r2
    r3 = r10
    r3 += -8
    r4 = 4
    r5 = 0
    call bpf_skb_store_bytes
    r0 = 1
    exit
### cg_helper_redirect cgroup_skb
    r1 = 1
    r2 = 0
    call bpf_redirect
    r0 = 1
    exit
### cg_helper_l3_csum cgroup_skb
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 2
    call bpf_l3_csum_replace
    r0 = 1
    exit
### cg_helper_skb_cgroup_id cgroup_skb
    call bpf_skb_cgroup_id
    r0 = 1
    exit
### cg_helper_xdp_adjust_head cgroup_skb
    r2 = 0
    call bpf_xdp_adjust_head
    r0 = 1
    exit
### cg_ld_abs cgroup_skb
    r6 = r1
    r0 = *(u8 *)skb[0]
    r0 = 1
    exit
### lwt_in_pkt_read lwt_in
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 20
    r0 = 0
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 +19)
out:
    exit
### lwt_in_pkt_unchecked lwt_in
    r2 = *(u32 *)(r1 +76)
    r0 = *(u8 *)(r2 +0)
    exit
### lwt_in_pkt_write lwt_in
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 20
    r0 = 0
    if r4 > r3 goto out
    *(u8 *)(r2 +0) = r0
out:
    exit
### lwt_xmit_pkt_write lwt_xmit
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 20
    r0 = 0
    if r4 > r3 goto out
    *(u8 *)(r2 +0) = r0
out:
    exit
### sk_skb_pkt_write sk_skb
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 4
    r0 = 0
    if r4 > r3 goto out
    *(u32 *)(r2 +0) = r0
out:
    exit
### sk_skb_pkt_past_check sk_skb
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 4
    r0 = 0
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 +1)
out:
    exit
### sk_msg_pkt_read sk_msg
    r2 = *(u64 *)(r1 +0)
    r3 = *(u64 *)(r1 +8)
    r4 = r2
    r4 += 4
    r0 = 1
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 +0)
    r0 = 1
out:
    exit
### sk_msg_pkt_unchecked sk_msg
    r2 = *(u64 *)(r1 +0)
    r0 = *(u32 *)(r2 +0)
    r0 = 1
    exit
### flow_dissector_pkt_read flow_dissector
    r2 = *(u32 *)(r1 +76)
    r3 = *(u32 *)(r1 +80)
    r4 = r2
    r4 += 14
    r0 = 0
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 +12)
    r0 = 0
out:
    exit
### lwt_in_read_sk lwt_in
    r2 = *(u64 *)(r1 +168)
    r0 = 0
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 +4)
    r0 = 0
out:
    exit
### sk_skb_read_sk_unchecked sk_skb
    r2 = *(u64 *)(r1 +168)
    r0 = *(u32 *)(r2 +4)
    r0 = 0
    exit
### flow_dissector_read_sk flow_dissector
    r2 = *(u64 *)(r1 +168)
    r0 = 0
    exit
### flow_dissector_write_mark flow_dissector
    r2 = 0
    *(u32 *)(r1 +8) = r2
    r0 = 0
    exit
### flow_dissector_keys_write flow_dissector
    r2 = *(u64 *)(r1 +144)
    r3 = 14
    *(u16 *)(r2 +0) = r3
    *(u32 *)(r2 +52) = r3
    r4 = *(u8 *)(r2 +7)
    r0 = 0
    exit
### flow_dissector_keys_const_add flow_dissector
    r2 = *(u64 *)(r1 +144)
    r2 += 48
    r3 = *(u32 *)(r2 +4)
    r0 = 0
    exit
### flow_dissector_keys_past_end flow_dissector
    r2 = *(u64 *)(r1 +144)
    r3 = *(u32 *)(r2 +53)
    r0 = 0
    exit
### flow_dissector_keys_past_end_off flow_dissector
    r2 = *(u64 *)(r1 +144)
    r2 += 52
    r3 = *(u64 *)(r2 +0)
    r0 = 0
    exit
### flow_dissector_keys_var_add flow_dissector
    r6 = *(u64 *)(r1 +144)
    call bpf_get_prandom_u32
    r0 &= 7
    r6 += r0
    r0 = 0
    exit
### flow_dissector_keys_narrow flow_dissector
    r2 = *(u32 *)(r1 +144)
    r0 = 0
    exit
### sock_ops_skb_data sock_ops
    r2 = *(u64 *)(r1 +192)
    r3 = *(u64 *)(r1 +200)
    r4 = r2
    r4 += 2
    r0 = 1
    if r4 > r3 goto out
    r0 = *(u16 *)(r2 +0)
    r0 = 1
out:
    exit
### sock_ops_skb_data_write sock_ops
    r2 = *(u64 *)(r1 +192)
    r3 = *(u64 *)(r1 +200)
    r4 = r2
    r4 += 2
    r0 = 1
    if r4 > r3 goto out
    *(u16 *)(r2 +0) = r0
out:
    exit
### sock_ops_sk_checked sock_ops
    r2 = *(u64 *)(r1 +184)
    r0 = 1
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 +4)
    r0 = 1
out:
    exit
### sk_msg_sk sk_msg
    r2 = *(u64 *)(r1 +72)
    r0 = *(u32 *)(r2 +4)
    r0 = 1
    exit
### flow_dissector_keys_spill flow_dissector
    r2 = *(u64 *)(r1 +144)
    *(u64 *)(r10 -8) = r2
    r3 = *(u64 *)(r10 -8)
    r4 = 6
    *(u8 *)(r3 +11) = r4
    r0 = 0
    exit
