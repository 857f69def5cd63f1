// In a tracing program bpf_get_socket_cookie takes a socket pointer argument of the
// tracepoint (bpf_get_socket_ptr_cookie_proto), not the context.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/tcp_destroy_sock")
int tp_btf_cookie(unsigned long long *ctx)
{
	return bpf_get_socket_cookie((void *)ctx[0]) == 7;
}

char LICENSE[] SEC("license") = "GPL";
