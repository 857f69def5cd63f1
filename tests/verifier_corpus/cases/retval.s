### ret_cgskb_0 cgroup_skb
    r0 = 0
    exit
### ret_cgskb_1 cgroup_skb
    r0 = 1
    exit
### ret_cgskb_2 cgroup_skb
    r0 = 2
    exit
### ret_cgskb_neg1 cgroup_skb
    r0 = -1
    exit
### ret_cgskb_3_ingress cgroup_skb
    r0 = 3
    exit
### ret_cgskb_len cgroup_skb
    r0 = *(u32 *)(r1 +0)
    exit
### ret_cgskb_len_masked cgroup_skb
    r0 = *(u32 *)(r1 +0)
    r0 &= 1
    exit
### ret_cgskb_len_bounded cgroup_skb
    r0 = *(u32 *)(r1 +0)
    if r0 > 1 goto big
    exit
big:
    r0 = 0
    exit
### ret_cgskb_ctx cgroup_skb
    r0 = r1
    exit
### ret_cgskb_stack cgroup_skb
    r0 = r10
    exit
### ret_cgskb_map_value cgroup_skb map=array:4:8:1
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map[id:0]
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 +0)
out:
    exit
### ret_cgskb_join_second cgroup_skb
    ; r6 is 0 on the path explored first and 2 on the other: only the precision mark
    ; the exit's range check puts on r0 (and so r6) keeps the second from being pruned
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_get_prandom_u32
    r6 = 0
    r7 = 0
    if r0 & 1 goto a
    r7 += 1
    goto j
a:
    r6 = 2
j:
    r7 += 1
    r0 = r6
    exit
### ret_sockops_2 sock_ops
    r0 = 2
    exit
### ret_sockops_1 sock_ops
    r0 = 1
    exit
### ret_cgsock_2 cgroup_sock
    r0 = 2
    exit
### ret_cgdev_unknown cgroup_device
    r0 = *(u32 *)(r1 +0)
    exit
### ret_sysctl_1 cgroup_sysctl
    r0 = 1
    exit
### ret_xdp_unchecked xdp
    r0 = 7
    exit
### ret_tc_ctx_root sched_cls
    r0 = r1
    exit
### ret_kprobe_any kprobe
    r0 = -5
    exit
### ret_cgskb_subprog_2 cgroup_skb
    call sub
    exit
sub:
    r0 = 2
    exit
### ret_netfilter_1 netfilter attach=netfilter
    r0 = 1
    exit
### ret_netfilter_2 netfilter attach=netfilter
    r0 = 2
    exit
### ret_kprobe_session_2 kprobe attach=trace_kprobe_session
    r0 = 2
    exit
### ret_kprobe_session_1 kprobe attach=trace_kprobe_session
    r0 = 1
    exit
### ret_uprobe_session_2 kprobe attach=trace_uprobe_session
    r0 = 2
    exit
### ret_cgskb_egress_3 cgroup_skb attach=cgroup_inet_egress
    r0 = 3
    exit
### ret_rawtp_2 raw_tracepoint
    r0 = 2
    exit
### ret_rawtp_attach_2 raw_tracepoint attach=trace_raw_tp
    ; the kernel ranges a raw_tracepoint's return only with an attach_btf_id (refused at
    ; load for this type), not by its expected attach type
    r0 = 2
    exit
### ret_cgskb_join_spill cgroup_skb
    ; as ret_cgskb_join_second, with r6 reaching r0 through a stack slot: the precision
    ; mark must follow the fill back to the spill (r1-r5 = 0: enough instructions for the
    ; kernel to save a state at the join)
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_get_prandom_u32
    r6 = 0
    if r0 & 1 goto a
    r7 = 1
    goto j
a:
    r6 = 2
    r7 = 1
j:
    *(u64 *)(r10 -8) = r6
    r0 = *(u64 *)(r10 -8)
    exit
### ret_cgskb_join_ok cgroup_skb
    ; both paths return a value in [0, 1]: accepted (r6 is precise at the join: the second
    ; path, r6 = 1, is not pruned against the first, r6 = 0)
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_get_prandom_u32
    r6 = 0
    if r0 & 1 goto a
    r7 = 1
    goto j
a:
    r6 = 1
    r7 = 1
j:
    r0 = r6
    exit
### ret_sockopt_ctx cgroup_sockopt attach=cgroup_getsockopt
    r0 = r1
    exit
### ret_sk_lookup_unknown sk_lookup attach=sk_lookup
    call bpf_get_prandom_u32
    exit
