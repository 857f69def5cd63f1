// A connect4 program reads the socket its context points at (never NULL there).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/connect4")
int sock_addr_sk(struct bpf_sock_addr *ctx)
{
	return ctx->sk->protocol != 132;
}

char LICENSE[] SEC("license") = "GPL";
