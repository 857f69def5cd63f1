"""Layout of the arrays shared by the compiled interpreter and its Python driver.

All VM state lives in numpy arrays so that a run can stop (to call a Python
helper, or on a fault) and resume where it stopped.

Virtual addresses: region ``k`` of the region table occupies
``(k + 1) << 32 .. (k + 1) << 32 | 0xffffffff``; the low 32 bits are an offset
that must lie in ``[lo, hi)`` of the region for an access to succeed.
"""

import numpy as np

# Indexes into the uint64 state vector ``st``.
PC = 0           # next instruction (slot index); on a fault, the faulting one
STATUS = 1       # why the last run() returned (see below)
DEPTH = 2        # current bpf-to-bpf call depth (0 = main program)
COUNT = 3        # instructions executed so far in this run
BUDGET = 4       # maximum instructions for this run
AUX = 5          # helper id for HELPER, faulting address for FAULT_*
AUX2 = 6         # access size for FAULT_*, call kind for HELPER (0 helper, 1 kfunc)
PKT_DATA = 7     # virtual address of the packet's data (ctx field id 1)
PKT_END = 8      # ... data_end (ctx field id 2)
PKT_META = 9     # ... data_meta (ctx field id 3)
STACK_VA = 10    # virtual address of the stack region's start
CODE_VA = 11     # virtual address base of code pointers (callx / BPF_PSEUDO_FUNC)
NCODE = 12       # number of instruction slots
CLOCK = 13       # virtual clock, ns (bpf_ktime_get_ns and friends)
PRNG = 14        # state of the seeded generator behind bpf_get_prandom_u32
CPU = 15         # the CPU id the program runs on (bpf_get_smp_processor_id)
TAILS = 16       # tail calls taken in this run (the kernel allows 33)
XDP_FRAME0 = 17  # XDP runs: region index of the first of the two packet frames; else 0
XDP_MOVED = 18   # set by compiled XDP helpers that moved the packet to the other frame
SKB_FRAME0 = 19  # tc runs: region index of the first of the two packet frames; else 0
SKB_CHANGED = 20  # what compiled tc helpers changed of the skb's Python side: bits below
SKB_MOVED, SKB_HASH_CLEARED = 1, 2   # the packet moved to the other frame; hash cleared
PERF_SAMPLES = 21  # region index of the buffer compiled bpf_perf_event_output writes, else 0
STATE_SIZE = 24

#: Size of the per-machine mask saying which helper ids run compiled (1) rather
#: than through the Python trampoline (0).
HOT_MASK_SIZE = 512

# Context pointer-field ids (ctxmap values): which state slot a 4-byte load yields.
CTX_DATA, CTX_DATA_END, CTX_DATA_META = 1, 2, 3
CTX_FIELD_STATE = {CTX_DATA: PKT_DATA, CTX_DATA_END: PKT_END, CTX_DATA_META: PKT_META}

# Status codes.
RUNNING = 0
EXIT = 1          # program returned; r0 holds the result
HELPER = 2        # call helper/kfunc st[AUX]; resume at st[PC] after setting r0
FAULT_LOAD = 3
FAULT_STORE = 4
BUDGET_EXCEEDED = 5
CALL_DEPTH = 6
BAD_INSN = 7      # executed something not executable (lddw tail, end of code, pseudo lddw)
BAD_CALLX = 8     # callx to an address that is no function
BAD_HELPER_ARG = 9  # a helper argument is not what it must be (st[AUX]: the register, AUX2: what)
#: Returned by a compiled helper (never to Python): call the Python implementation of the
#: same helper instead (a case it leaves to Python); the call then ends as a HELPER stop.
PYTHON_HELPER = 10
STATUS_NAMES = {RUNNING: "running", EXIT: "exit", HELPER: "helper", FAULT_LOAD: "load fault",
                 FAULT_STORE: "store fault", BUDGET_EXCEEDED: "budget exceeded",
                 CALL_DEPTH: "call depth", BAD_INSN: "bad instruction", BAD_CALLX: "bad callx",
                 BAD_HELPER_ARG: "bad helper argument"}

# Region flags.
F_RO = 1          # stores fault
F_CTX = 2         # accesses go through the context accessor (pointer fields)

# Fixed region indexes.
REGION_STACK = 0
REGION_CTX = 1
REGION_CODE = 2
REGION_MAPS = 3   # map handles: addresses here name maps, never memory
REGION_CBKEYS = 4  # read-only u32 keys bpf_for_each_map_elem hands an array map's callback
FIRST_FREE_REGION = 5
#: The region tables' capacity: rbase, rlo, rhi and rflag are the rows of one
#: (4, REGION_CAPACITY) array (pybpf.vm.memory), which compiled code reads from rbase
#: at fixed offsets.
REGION_CAPACITY = 1024

# A saved frame: return pc, r6, r7, r8, r9, r10, then what the frame is for.
FRAME_WORDS = 12
FR_RET, FR_R6, FR_R10, FR_KIND, FR_I, FR_N, FR_FN, FR_CTX, FR_MAP = 0, 1, 5, 6, 7, 8, 9, 10, 11
FRAME_CALL = 0    # a bpf-to-bpf call: return to FR_RET
FRAME_LOOP = 1    # a bpf_loop callback: FR_I of FR_N done, FR_FN the callback, FR_CTX its ctx
FRAME_FOREACH = 2  # a bpf_for_each_map_elem callback: FR_I the map cursor, FR_N calls made

U64 = np.uint64


def region_va(k: int) -> int:
    """Virtual address of offset 0 of region ``k``."""
    return (k + 1) << 32
