/* SPDX-License-Identifier: MIT */
/*
 * sys/socket.h -- the part of the libc header BPF programs reach.
 *
 * The pinned compiler targets bpfel-freestanding, which has no libc headers,
 * but UAPI headers such as <linux/if.h> (and so <linux/icmp.h>) include
 * <sys/socket.h> for struct sockaddr. This is only that much.
 */
#ifndef __PYBPF_SYS_SOCKET_H
#define __PYBPF_SYS_SOCKET_H

typedef unsigned short sa_family_t;
typedef unsigned int socklen_t;

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

#ifndef AF_UNSPEC
#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10
#endif

#endif /* __PYBPF_SYS_SOCKET_H */
