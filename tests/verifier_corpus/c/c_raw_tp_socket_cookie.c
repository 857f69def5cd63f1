// Networking helpers are not given to raw tracepoints (bpf_tracing_func_proto).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw_tp/tcp_destroy_sock")
int raw_tp_cookie(struct bpf_raw_tracepoint_args *ctx)
{
	return bpf_get_socket_cookie((void *)ctx->args[0]) == 7;
}

char LICENSE[] SEC("license") = "GPL";
