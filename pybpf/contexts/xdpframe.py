"""The layout of an XDP packet frame (an ``xdp_buff`` as ``BPF_PROG_TEST_RUN`` builds it).

Plain constants, shared by :mod:`pybpf.contexts.xdp` and the compiled XDP helpers
(:mod:`pybpf.helpers.xdphot`) without importing the context into compiled code.
"""

XDP_PACKET_HEADROOM = 256
#: One page per frame.
XDP_FRAME_SIZE = 4096
#: sizeof(struct xdp_frame), kept free at the start of the frame: adjust_head/meta stop there.
XDP_FRAME_HEADER = 40
#: SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64, reserved at the end of the frame.
XDP_TAILROOM = 320
#: Offset (from data_hard_start) that data_end may not pass.
XDP_DATA_HARD_END = XDP_FRAME_SIZE - XDP_TAILROOM
XDP_MAX_LINEAR = XDP_DATA_HARD_END - XDP_PACKET_HEADROOM
#: The largest metadata length (skb_shared_info.meta_len is a u8, and it must be 4-aligned).
XDP_META_MAX = 252
ETH_HLEN = 14
