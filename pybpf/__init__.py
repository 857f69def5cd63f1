"""pybpf: the eBPF toolchain that runs in plain Python."""
