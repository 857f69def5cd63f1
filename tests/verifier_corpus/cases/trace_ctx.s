### kprobe_ctx_read_di kprobe
    r0 = *(u64 *)(r1 +112)
    r0 = 0
    exit
### kprobe_ctx_read_u32 kprobe
    r0 = *(u32 *)(r1 +4)
    r0 = 0
    exit
### kprobe_ctx_read_last kprobe
    r0 = *(u64 *)(r1 +160)
    r0 = 0
    exit
### kprobe_ctx_past_pt_regs kprobe
    r0 = *(u64 *)(r1 +168)
    r0 = 0
    exit
### kprobe_ctx_misaligned kprobe
    r0 = *(u64 *)(r1 +4)
    r0 = 0
    exit
### kprobe_ctx_write kprobe
    r2 = 0
    *(u64 *)(r1 +0) = r2
    r0 = 0
    exit
### tracepoint_ctx_header tracepoint
    r0 = *(u64 *)(r1 +0)
    r0 = 0
    exit
### tracepoint_ctx_field tracepoint
    r0 = *(u32 *)(r1 +8)
    r0 = 0
    exit
### tracepoint_ctx_far tracepoint
    r0 = *(u64 *)(r1 +8184)
    r0 = 0
    exit
### tracepoint_ctx_past_max tracepoint
    r0 = *(u64 *)(r1 +8192)
    r0 = 0
    exit
### tracepoint_ctx_misaligned tracepoint
    r0 = *(u32 *)(r1 +10)
    r0 = 0
    exit
### tracepoint_ctx_write tracepoint
    r2 = 0
    *(u32 *)(r1 +8) = r2
    r0 = 0
    exit
### raw_tp_ctx_arg0 raw_tracepoint
    r0 = *(u64 *)(r1 +0)
    r0 = 0
    exit
### raw_tp_ctx_arg11 raw_tracepoint
    r0 = *(u64 *)(r1 +88)
    r0 = 0
    exit
### raw_tp_ctx_arg12 raw_tracepoint
    r0 = *(u64 *)(r1 +96)
    r0 = 0
    exit
### raw_tp_ctx_narrow raw_tracepoint
    r0 = *(u32 *)(r1 +0)
    r0 = 0
    exit
### raw_tp_ctx_write raw_tracepoint
    r2 = 0
    *(u64 *)(r1 +0) = r2
    r0 = 0
    exit
### perf_event_ctx_regs perf_event
    r0 = *(u64 *)(r1 +16)
    r0 = 0
    exit
### perf_event_ctx_regs_u32 perf_event
    r0 = *(u32 *)(r1 +16)
    r0 = 0
    exit
### perf_event_ctx_sample_period perf_event
    r0 = *(u64 *)(r1 +168)
    r0 = 0
    exit
### perf_event_ctx_sample_period_u32 perf_event
    r0 = *(u32 *)(r1 +168)
    r0 = 0
    exit
### perf_event_ctx_addr perf_event
    r0 = *(u64 *)(r1 +176)
    r0 = 0
    exit
### perf_event_ctx_past_end perf_event
    r0 = *(u64 *)(r1 +184)
    r0 = 0
    exit
### perf_event_ctx_write perf_event
    r2 = 0
    *(u64 *)(r1 +168) = r2
    r0 = 0
    exit
