"""Path exploration: the kernel's ``do_check``, one instruction at a time.

``priv`` selects the rules: True (the default) is a loader with CAP_PERFMON or
CAP_SYS_ADMIN (root), False one without them (CAP_BPF and CAP_NET_ADMIN only, see
:func:`pybpf.verifier.verify_insns`): the kernel then forbids pointer leaks and
pointer comparisons, reads of uninitialised stack, pointer arithmetic it cannot
mask against speculation, and the helpers that need CAP_PERFMON.

Each instruction's effect comes from its opcode-table row (:mod:`pybpf.isa.table`):
the row's ``kind`` selects the check (memory access, ALU, jump, call ...) and its
``fn`` the abstract transfer function (:func:`pybpf.verifier.regs.alu`). Paths are
explored depth first; at prune points the state is compared with the states
already proven safe there (:func:`pybpf.verifier.state.states_equal`).

A scalar's value is compared there only if it proved to matter, as the kernel's
precision tracking decides: a use that needs the value (a jump whose outcome it
decides, pointer arithmetic, a helper's size or constant argument, a constant map
key, a callback's return) walks the path's history back to where the value came from
and marks it precise in the checkpoints on the way (:meth:`Verifier._backtrack`).
Where that history cannot be followed (and in loops of open-coded iterators, whose
marks are not final while they converge), a static analysis decides instead
(:func:`_relevance`): it compares at least what the marks would.
Messages are the kernel's (kernel/bpf/verifier.c), so they can be searched for.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from ..helpers import HELPER_IDS, KERNEL_HELPERS
from ..isa.insn import s32 as s32i
from . import ctx as C
from . import protos as P
from . import regs as R
from . import tnum as T
from .cfg import Program, jump_target
from .regs import (CTX, FLOW_KEYS, FUNC, MAP_KEY, MAP_PTR, MAP_VALUE, MEM, NOT_INIT, PKT,
                   PKT_END, PKT_META, PKT_TYPES, RINGBUF_MEM, SCALAR, STACK, Reg)
from .state import (MAX_STACK, Frame, State, _set_bits, exact_signature, states_equal,
                    type_signature)

COMPLEXITY_LIMIT = 1_000_000
MAX_VAR_OFF = 1 << 29
MAX_VAR_SIZ = 1 << 29
MAX_PACKET_OFF = 0xFFFF
MAX_CALL_FRAMES = 8
#: The kernel runs with its JIT (``bpf_jit_enable=1``), which rounds each frame's stack
#: depth up to 16 bytes when it sums the frames of a call chain (round_up_stack_depth).
STACK_ROUND = 16
#: Program types bpf() loads only for CAP_PERFMON (is_perfmon_prog_type): it refuses them with
#: EPERM before the verifier runs, so the kernel prints no message.
PERFMON_TYPES = frozenset({"kprobe", "tracepoint", "perf_event", "raw_tracepoint",
                           "raw_tracepoint_writable", "tracing", "lsm", "struct_ops", "ext"})
NEEDS_PERFMON = "program type {} needs CAP_PERFMON (bpf() refuses it with EPERM, no verifier log)"
#: The "for !root" suffix of the kernel's speculation-hardening refusals.
_NOT_ROOT = "pointer arithmetic with it prohibited for !root"
MAX_STATES_PER_INSN = 64
JMP_SEQ_LIMIT = 8192            # pending branches (BPF_COMPLEXITY_LIMIT_JMP_SEQ)
#: Refusals a speculative path cannot turn into a barrier (-E2BIG in the kernel).
_NOT_RECOVERABLE = ("the call stack of", "BPF program is too large", "The sequence of")
LOG_LINES = 200_000


@dataclass
class MapDesc:
    """What the verifier knows of a map: its type and sizes, and frozen read-only data."""

    name: str
    type: int
    key_size: int
    value_size: int
    max_entries: int = 0
    flags: int = 0
    data: bytes | None = None     # contents of a read-only (frozen) global-data map
    inner: "MapDesc | None" = None

    @property
    def readonly_prog(self) -> bool:
        return bool(self.flags & 0x80)   # BPF_F_RDONLY_PROG


class Reject(Exception):
    """The program is refused: ``message`` is the kernel's last log line."""

    def __init__(self, message: str, slot: int, notes: tuple = (), regs: tuple = ()):
        super().__init__(message)
        self.message = message
        self.slot = slot
        self.notes = list(notes)     # log lines the kernel prints before the message
        self.regs = regs             # register numbers involved
        self.state: State | None = None


_CALLER_SAVED = range(1, 6)


def _is_move(fn: str) -> bool:
    """An ALU row that copies its source (mov, movsx8/16/32) rather than combining it."""
    return fn == "mov" or fn.startswith("movsx")


_LOADED: dict = {}
# try_match_pkt_pointers: for "pkt OP pkt_end" (and "pkt_end OP pkt"), the branch that
# learns the packet range, and whether the range is right-open (one byte more)
_PKT_LEFT = {"jgt": ("fall", False), "jlt": ("taken", True), "jge": ("fall", True),
             "jle": ("taken", False)}
_PKT_END_LEFT = {"jgt": ("taken", True), "jlt": ("fall", False), "jge": ("taken", False),
                 "jle": ("fall", True)}
#: What a helper pybpf has no prototype for returns when it returns a pointer: loads
#: from it give unknown scalars (the kernel would know its BTF type).
UNKNOWN_PTR = "ptr_"
_SOCKS = ("sock", "sock_common", "tcp_sock", UNKNOWN_PTR)
_JMP_KINDS = frozenset({"jmp", "ja", "call", "callx", "exit"})
_PKT_ANY = (PKT, PKT_META, PKT_END)
#: Unprivileged: storing a pointer through a pointer of these types leaks it ("R1 leaks addr
#: into map"); spilling it to the stack does not.
_LEAK_INTO = {MAP_VALUE: "map", CTX: "ctx", MEM: "mem", RINGBUF_MEM: "mem"}
_SHIFT_FNS = frozenset({"lsh64", "lsh32", "rsh64", "rsh32", "arsh64", "arsh32"})
_DIV_FNS = frozenset({"div", "mod", "sdiv64", "sdiv32", "smod64", "smod32"})
#: A stack slot's bytes once its spilled register is overwritten in part: written, unknown.
_TO_MISC = str.maketrans("SZ", "MM")
#: A slot's byte types after a write, by (types before, ...): a few strings, computed once.
_WRITTEN: dict[tuple, str] = {}     # (types, index, size, "Z" or "M") -> after a data write
_SPILLED: dict[tuple, str] = {}     # (types, size) -> after a register spill
#: The cases of an ALU instruction (:meth:`Verifier._alu_decode`).
_ALU_OP, _ALU_MOV_IMM, _ALU_MOV, _ALU_NEG, _ALU_REFUSE = "op", "mov_imm", "mov", "neg", "refuse"
#: The method that checks an instruction of each row kind.
_KIND_OPS = {"alu": "_alu", "end": "_end", "lddw": "_lddw_insn", "ldx": "_ldx", "st": "_st",
             "stx": "_stx", "atomic": "_atomic_insn", "ldpkt": "_ldpkt", "jmp": "_jmp",
             "ja": "_ja", "call": "_call", "callx": "_callx", "exit": "_exit_insn"}


#: The stack slots of a frame, as a backtracking walk's mask.
_ALL_SLOT_BITS = (1 << (MAX_STACK // 8)) - 1
#: Frames a backtracking walk keeps masks for (a subprogram's callee frames included).
_BT_FRAMES = MAX_CALL_FRAMES + 1
#: History flags (State.hist) of an instruction entering or leaving a callback.
_CALLBACK = -1
#: How :meth:`Verifier._bt_step` passes an instruction.
(_BT_NOP, _BT_MOV, _BT_ALU, _BT_SET, _BT_JMP, _BT_LDX, _BT_STORE, _BT_CALL, _BT_EXIT,
 _BT_LOCAL, _BT_ATOMIC, _BT_FAIL) = range(12)


def _sync_linked(members: tuple, br: list, bs: list) -> None:
    """bt_sync_linked_regs: if one of the scalars a jump narrowed together is needed, all are."""
    for f, is_slot, n in members:
        if (bs if is_slot else br)[f] >> n & 1:
            break
    else:
        return
    for f, is_slot, n in members:
        if is_slot:
            bs[f] |= 1 << n
        else:
            br[f] |= 1 << n


class Checkpoint:
    """A state saved at a prune point; ``branches`` counts the paths still exploring from it."""

    __slots__ = ("snap", "slot", "sig", "tsig", "parent", "branches", "hits", "misses", "hist")

    def __init__(self, snap: State, slot: int, sig, tsig, parent):
        self.snap, self.slot, self.sig, self.tsig, self.parent = snap, slot, sig, tsig, parent
        self.hist = snap.hist       # the instructions walked from the parent checkpoint here
        self.branches = 1
        self.hits = self.misses = 0   # prune comparisons it won and lost (eviction, below)


#: A finished state that failed to cover this many more times than (3 x) it covered one is
#: dropped from its instruction's list, as the kernel's is_state_visited drops it: it is
#: unlikely to prune anything, and comparing against it costs time on every visit (a
#: bounded loop's head collects one state per iteration). Dropping only loses pruning.
EVICT_MISSES = 3
_REV = {"jeq": "jne", "jne": "jeq", "jgt": "jle", "jle": "jgt", "jge": "jlt", "jlt": "jge",
        "jsgt": "jsle", "jsle": "jsgt", "jsge": "jslt", "jslt": "jsge", "jset": "jset_not"}
_FLIP = {"jgt": "jlt", "jge": "jle", "jlt": "jgt", "jle": "jge", "jsgt": "jslt", "jsge": "jsle",
         "jslt": "jsgt", "jsle": "jsge", "jeq": "jeq", "jne": "jne", "jset": "jset",
         "jset_not": "jset_not"}


def _op(row) -> str:
    """The jump condition of a jmp row: ``jeq`` ... (the row name without width/source)."""
    op = _OPS.get(row.name)
    if op is None:
        op = _OPS[row.name] = row.name.split("_")[0].rstrip("32")
    return op


_OPS: dict[str, str] = {}


class Verifier:
    def __init__(self, prog: Program, prog_type: str | None, resolve_map, gpl: bool = True,
                 log_level: int = 0, fmt_insn=None, kfuncs: dict | None = None,
                 priv: bool = True):
        self.prog = prog
        self.priv = priv                    # False: the rules without CAP_PERFMON
        self.prog_type = prog_type
        self.resolve_map = resolve_map      # (slot, insn) -> (MapDesc, offset) or None
        self.kfuncs = kfuncs or {}          # slot -> kfunc name
        self.iter_next = {k for k, v in self.kfuncs.items() if v == "bpf_iter_num_next"}
        prog.prune.update(self.iter_next)
        self.gpl = gpl
        self.log_level = log_level
        self.fmt_insn = fmt_insn
        self.log: list[str] = []
        self.processed = 0
        self.id_gen = 0
        self.looping: dict[int, dict] = {}     # slot -> {exact signature: Checkpoint} in progress
        self.done: dict[int, dict] = {}        # slot -> {type signature: [Checkpoint]} proven safe
        self.jmps = self.last_jmps = self.last_processed = 0
        self.total_states = 0
        self.peak_states = 0
        self.stack_depth: dict[int, int] = {}   # subprog index -> deepest stack byte
        self.max_states_per_insn = 0
        self.alu_sanitation: dict[int, tuple] = {}   # slot -> (state, limit), unprivileged
        self.nospec: set[int] = set()       # slots speculative paths may not execute (run()
        #                                     holds this set: add to it, never replace it)
        # slots after which speculative paths stop (nospec_result: a store that may replace a
        # spilled register or a pointer's slot gets a barrier after it, Spectre v4)
        self.nospec_result: set[int] = set()
        self.spec_now = False               # the instruction being checked is speculative
        # precision by backtracking (the kernel's mark_chain_precision), in both modes (the
        # kernel tracks it for a loader with CAP_BPF); loops of open-coded iterators converge
        # against states still being explored, whose marks are not final: there the static
        # relevance analysis decides what is compared
        self.dynamic = not self.iter_next
        self._bt_code: list | None = None     # per slot, how backtracking passes it
        succ = _successors(prog)
        # per slot: the relevance bits (SLOT_BIT ...), the live registers above LIVENESS_BIT
        self.ret_range = C.return_range(prog_type)
        self._facts = _analyses(prog, succ, _predecessors(succ),
                                self.ret_range is not None, prog_type)
        self._live_list: list = [None] * len(prog.insns)
        self._prune_at: dict[int, tuple] = {}   # slot -> (_frame_live, _live_regs) there
        self._prune_by_facts: dict[int, tuple] = {}     # the same, by the slot's facts
        self._subprog_of = _subprog_index(prog)
        self._imms: dict[int, Reg] = {}
        self._unknowns: dict[tuple, Reg] = {}
        forget_memos()

    # ---------------------------------------------------------------- driver
    def run(self) -> None:
        if not self.priv and self.prog_type in PERFMON_TYPES:
            raise Reject(NEEDS_PERFMON.format(self.prog_type), 0)
        st = State()
        main = Frame(0, 0)
        main.regs[1] = Reg.pointer(CTX)
        st.frames.append(main)
        work: list[tuple[State, int]] = []
        slot = 0
        prog = self.prog
        prune, rows = prog.prune, prog.rows
        ops = self._decode()
        jumps = [row.kind in _JMP_KINDS for _, row in prog.uniq] + [False]
        jumps = [jumps[k] for k in prog.uid]
        logging = self.log_level
        nospec = self.nospec
        stop_after = self.nospec_result
        jmp_points = prog.jmp_points
        looping, done, iter_next = self.looping, self.done, self.iter_next
        # counted here, stored in self.processed and self.jmps when the walk ends or stops
        processed, jmps = self.processed, self.jmps
        dynamic = self.dynamic
        nxt = None
        try:
            while True:
                processed += 1
                if processed > COMPLEXITY_LIMIT:
                    raise Reject(f"BPF program is too large. Processed {processed} insn", slot)
                if slot in prune:
                    # is_state_visited checkpoints after 2 jumps and 8 instructions, or
                    # where the jump history since the last one passed 40 entries
                    checkpoint = slot in iter_next or st.hcnt > 40 or (
                        jmps - self.last_jmps >= 2 and processed - self.last_processed >= 8)
                    if (checkpoint or slot in looping or slot in done) and \
                            self._visited(st, slot, checkpoint, processed, jmps):
                        if logging and len(self.log) < LOG_LINES:
                            self.log.append(f"{slot}: safe")
                        nxt = None
                        self._path_done(st)
                        if not work:
                            break
                        st, slot = work.pop()
                        continue
                if jumps[slot]:
                    jmps += 1
                if dynamic:
                    st.hist = cell = [slot, None, st.hist]     # (see State.hist)
                if slot in jmp_points:
                    st.hcnt += 1
                if logging and len(self.log) < LOG_LINES:
                    self._log_insn(st, slot)
                try:
                    nxt = None if nospec and self._stopped(st, slot) else \
                        ops[slot](st, slot, work)
                    if stop_after and slot in stop_after and type(st) is _Speculative:
                        nxt = None      # (the barrier after it ends the speculative path)
                    if dynamic and cell[1] is not None and cell[1] != _CALLBACK and \
                            slot not in jmp_points:
                        st.hcnt += 1    # (a spill, fill or linked jump: the kernel's
                        #                   jump history has an entry for it too)
                except Reject as exc:
                    if not self._recover(st, slot, exc):
                        exc.state = st
                        raise
                    # (nxt keeps its last value: this slot when the path came here from
                    # the one before, where the walk goes once more and stops at the
                    # barrier; None when the path started here)
                if nxt is None:
                    self._path_done(st)
                    if not work:
                        break
                    st, slot = work.pop()
                    continue
                slot = nxt
        finally:
            self.processed, self.jmps = processed, jmps
        self._check_max_stack_depth()

    # ---------------------------------------------------------------- speculation (unprivileged)
    def _speculate(self, st: State, slot: int, work, regs: tuple = (), reg: Reg | None = None):
        """sanitize_speculative_path: explore ``slot`` as a CPU might mispredict its way
        there, with ``regs`` unknown (a branch's operands) or ``reg`` = (regno, value)."""
        spec = self._push(st, slot, work, speculative=True)
        for r in regs:
            spec.cur.put(r, Reg.scalar())
        if reg is not None:
            spec.cur.put(reg[0], reg[1])

    def _stopped(self, st: State, slot: int) -> bool:
        """A speculative path stops where the kernel put a barrier (nospec)."""
        return slot in self.nospec and type(st) is _Speculative

    def _recover(self, st: State, slot: int, exc: Reject) -> bool:
        """On a speculative path, what would be refused gets a barrier instead and the path
        ends (6.18: errors -EACCES, -EINVAL, -EPERM); the complexity limits still refuse."""
        if type(st) is not _Speculative or exc.message.startswith(_NOT_RECOVERABLE):
            return False
        self.nospec.add(slot)
        self.alu_sanitation.pop(slot, None)
        return True

    def _check_max_stack_depth(self) -> None:
        """check_max_stack_depth: every static call chain from the main program fits.

        Runs after exploration, like the kernel's: a subprogram's depth is the deepest
        stack byte it touched on any explored path (0 for one never explored), rounded
        up to ``STACK_ROUND``; the sum along a chain of calls (and callback references)
        may not exceed 512 bytes, and a chain may not be deeper than 8 frames, even
        through calls that exploration proved dead.
        """
        prog = self.prog
        calls: dict[int, list] = {}
        for slot in prog.calls:         # (call_local and lddw_func, in order)
            target = slot + s32i(prog.insns[slot].imm) + 1
            calls.setdefault(self._subprog_of[slot], []).append((slot, self._subprog_of[target]))
        self._walk_calls(calls, 0, 0, 0, 0)

    def _walk_calls(self, calls: dict, idx: int, frame: int, depth: int, at: int) -> None:
        """_check_max_stack_depth from subprogram ``idx``, called at ``at`` in call frame
        ``frame`` with ``depth`` stack bytes used by its callers. (A method, not a closure
        calling itself: such a closure is a reference cycle, which would keep the verifier and
        every state it saved alive until the cyclic garbage collector ran.)"""
        used = self.stack_depth.get(idx, 0)
        depth += -(-used // STACK_ROUND) * STACK_ROUND
        if depth > MAX_STACK:
            raise Reject(f"combined stack size of {frame + 1} calls is {depth}. Too large", at)
        for slot, callee in calls.get(idx, ()):
            if frame + 1 >= MAX_CALL_FRAMES:
                raise Reject(f"the call stack of {frame + 1} frames is too deep !", slot)
            self._walk_calls(calls, callee, frame + 1, depth, slot)

    def _log_insn(self, st: State, slot: int) -> None:
        """Level 1: each instruction walked; level 2: with the registers before it."""
        if self.log_level >= 2:
            f = st.cur
            regs = " ".join(f"R{i}={r.describe()}" for i, r in enumerate(f.regs) if r.type != NOT_INIT)
            self.log.append(f"{slot}: {regs}")
        text = self.fmt_insn(slot) if self.fmt_insn else ""
        self.log.append(f"{slot}: {text}")

    def _path_done(self, st: State) -> None:
        """A path ended (exit or pruned): checkpoints with no live path left become "done"."""
        p = st.parent
        while p is not None:
            p.branches -= 1
            if p.branches:
                break
            loops = self.looping.get(p.slot)
            if loops is not None and loops.get(p.sig) is p:
                del loops[p.sig]
            if p.snap is not None:
                bucket = self.done.setdefault(p.slot, {}).setdefault(p.tsig, [])
                bucket.append(p)
                if len(bucket) > MAX_STATES_PER_INSN:
                    bucket.pop(0).snap = None
            p = p.parent

    def _push(self, st: State, slot: int, work, speculative: bool = False) -> State:
        other = st.copy()
        if speculative:
            other.__class__ = _Speculative
        if other.parent is not None:
            other.parent.branches += 1
        work.append((other, slot))
        if len(work) > JMP_SEQ_LIMIT:
            raise Reject(f"The sequence of {len(work)} jumps is too complex.", slot)
        return other

    def _visited(self, st: State, slot: int, checkpoint: bool, processed: int,
                 jmps: int) -> bool:
        """is_state_visited: prune when a finished state covers ``st``; else checkpoint it if
        ``checkpoint`` (``processed`` instructions and ``jmps`` jumps walked so far)."""
        loops = self.looping.get(slot)
        done = self.done.get(slot)
        iter_next = slot in self.iter_next
        if not (loops or done or checkpoint):
            return False      # nothing to compare with, no checkpoint: the common case
        at = self._prune_at.get(slot)
        if at is None:
            # (a function of the slot's facts only: slots with the same facts share one)
            at = self._prune_by_facts.get(self._facts[slot])
            if at is None:
                at = self._prune_by_facts[self._facts[slot]] = (self._frame_live(slot),
                                                                self._live_regs(slot))
            self._prune_at[slot] = at
        live, live_regs = at
        tsig = type_signature(st, live_regs) if done or checkpoint else None
        sig = None          # (the exact signature: computed when needed)
        if iter_next:
            # an open-coded iterator's loop converges when the state at its next() call
            # is covered by one already being explored from there
            for old in (loops or {}).values():
                if old.snap is not None and _spec_ok(old.snap, st) and \
                        states_equal(old.snap, st, live):
                    return True
        elif loops:
            sig = exact_signature(st, live_regs)
            old = loops.get(sig)
            if old is not None and old.snap is not None and _spec_ok(old.snap, st) and \
                    states_equal(old.snap, st, live, exact=True):
                raise Reject(f"infinite loop detected at insn {slot}", slot)
        if checkpoint and loops and not (iter_next or st.hcnt > 40) and \
                jmps - self.last_jmps < 20 and processed - self.last_processed < 100:
            # a path still being explored passed here: the walk is in a loop, whose
            # iterations rarely cover each other; checkpoint it only now and then
            checkpoint = False
        bucket = done.get(tsig) if done else None
        if bucket:
            for n in range(len(bucket) - 1, -1, -1):
                old = bucket[n]
                if states_equal(old.snap, st, live) and (self.priv or (
                        _spec_ok(old.snap, st) and _uninit_covered(old.snap, st))):
                    old.hits += 1
                    if self.dynamic:
                        # what mattered from the old state matters from this one
                        # (propagate_precision): its values are those the old one's are
                        # compared by (its marks, or what the static analysis compared)
                        br, bs = [0] * _BT_FRAMES, [0] * _BT_FRAMES
                        prec = old.snap.prec
                        for i in range(len(st.frames)):
                            if prec is not None:
                                br[i], bs[i] = prec[i]
                            else:
                                t = live(i, old.snap, st)
                                br[i], bs[i] = t[1] & 0x3FF, t[2] & _ALL_SLOT_BITS
                        self._backtrack(st, br, bs, False)
                    return True
                if checkpoint:      # (a miss counts only where a state is to be added)
                    old.misses += 1
                    if old.misses > old.hits * EVICT_MISSES + EVICT_MISSES:
                        del bucket[n]
                        old.snap = None
        if not checkpoint:
            return False
        if sig is None:
            sig = exact_signature(st, live_regs)
        self.last_jmps, self.last_processed = jmps, processed
        snap = st.copy()
        if self.dynamic:
            snap.prec = [[0, 0] for _ in snap.frames]
        cp = Checkpoint(snap, slot, sig, tsig, st.parent)
        st.parent = cp
        st.hist = None
        st.hcnt = 0
        loops = self.looping.setdefault(slot, {})
        loops[sig] = cp
        if len(loops) > MAX_STATES_PER_INSN:
            loops.pop(next(iter(loops)))
        self.total_states += 1
        return False

    def _live_regs(self, slot: int) -> tuple:
        """The live registers (r0-r9) at ``slot``, in order (for the signatures)."""
        regs = self._live_list[slot]
        if regs is None:
            regs = self._live_list[slot] = _set_bits(self._facts[slot] >> LIVENESS_BIT & 0x3FF)
        return regs

    def _frame_live(self, slot: int):
        """live(i, old, cur) -> (registers compared, registers compared by value, stack slots
        whose spilled scalars are compared by value, stack slots compared) of frame i, as bit
        masks."""
        facts = self._facts
        r = facts[slot] & _REL_ALL
        # unprivileged, every slot's bytes are compared (uninitialised reads)
        top = (facts[slot] >> LIVENESS_BIT, r, r >> SLOT_BIT, r >> LIVE_BIT if self.priv else -1)

        def live(i: int, old: State, cur: State):
            if i == len(cur.frames) - 1:
                return top
            # a caller's frame: its callees may read its stack through pointers (all
            # slots compared); r6-r9 as they matter at the return
            ret = cur.frames[i + 1].callsite + 1
            if ret < len(facts):
                return (facts[ret] >> LIVENESS_BIT) & 0x3C0, facts[ret] & 0x3C0, -1, -1
            return 0x3C0, 0x3C0, -1, -1
        return live

    # ---------------------------------------------------------------- helpers
    def new_id(self) -> int:
        self.id_gen += 1
        return self.id_gen

    def read(self, f: Frame, r: int, slot: int) -> Reg:
        reg = f.regs[r]
        if reg.type == NOT_INIT:
            raise Reject(f"R{r} !read_ok", slot, regs=(r,))
        return reg

    def write_check(self, r: int, slot: int) -> None:
        if r == 10:
            raise Reject("frame pointer is read only", slot, regs=(10,))

    # ---------------------------------------------------------------- one instruction
    def _decode(self) -> list:
        """Each slot's check, chosen once per program: the method for its row's ``kind``
        (called as ``op(state, slot, work)``, it returns the next slot or None when the
        path ends); ALU instructions and conditional jumps also get their operands decoded
        (``self._dec``), gotos their target. ALU instructions are decoded once per distinct
        instruction."""
        methods = {kind: getattr(self, name) for kind, name in _KIND_OPS.items()}
        prog = self.prog
        uops, udec, is_jmp = [], [], []
        for insn, row in prog.uniq:
            kind = row.kind
            uops.append(methods[kind])
            udec.append(self._alu_decode(insn, row) if kind == "alu" else None)
            is_jmp.append(kind in ("jmp", "ja"))
        uops.append(None)       # index -1: the second slot of lddw
        udec.append(None)
        is_jmp.append(False)
        uid = prog.uid
        dec = [udec[k] for k in uid]
        insns, rows = prog.insns, prog.rows
        for slot, k in enumerate(uid):
            if is_jmp[k]:
                insn, row = insns[slot], rows[slot]
                dec[slot] = self._jmp_decode(slot, insn, row) if row.kind == "jmp" else \
                    jump_target(slot, insn, row)
        self._dec = dec
        return [uops[k] for k in uid]

    def _end(self, st: State, slot: int, work) -> int:
        insn, row = self.prog.insns[slot], self.prog.rows[slot]
        f = st.frames[-1]
        self.read(f, insn.dst, slot)
        self._no_ptr_arith(f, insn.dst, slot)
        self.write_check(insn.dst, slot)
        d = f.own(insn.dst)
        if d.is_scalar and d.is_const:
            d.set_const(self._concrete(row.fn, d.value, 0, 64))
        else:
            d.mark_unknown()
            if row.width < 64:
                R.set_range64(d, 0, (1 << row.width) - 1)
        return slot + 1

    def _lddw_insn(self, st: State, slot: int, work) -> int:
        insn = self.prog.insns[slot]
        self.write_check(insn.dst, slot)
        st.frames[-1].regs[insn.dst] = self._lddw(insn, self.prog.rows[slot], slot)
        return slot + 2

    def _ldx(self, st: State, slot: int, work) -> int:
        insn, row = self.prog.insns[slot], self.prog.rows[slot]
        f = st.frames[-1]
        src, dst = insn.src, insn.dst
        if f.regs[src].type == NOT_INIT:      # self.read and self.write_check, written out
            raise Reject(f"R{src} !read_ok", slot, regs=(src,))
        if dst == 10:
            raise Reject("frame pointer is read only", slot, regs=(10,))
        reg = f.regs[src]
        if reg.type in PKT_TYPES and reg.smin >= 0:
            # the common case of _mem_access for a packet pointer: a load inside the range
            # proven gives an unknown of its size, one shared register (as ``dst = imm``)
            off = reg.off + insn.off
            if off >= 0 and off + row.size <= reg.range:
                f.regs[dst] = self._unknown(row.size, row.signed)
                f.mine &= ~(1 << dst)
                return slot + 1
        f.put(dst, self._mem_access(st, src, insn.off, row.size, False, None, slot,
                                    signed=row.signed))
        return slot + 1

    def _st(self, st: State, slot: int, work) -> int:
        insn = self.prog.insns[slot]
        self.read(st.frames[-1], insn.dst, slot)
        self._mem_access(st, insn.dst, insn.off, self.prog.rows[slot].size, True,
                         Reg.scalar(insn.imm), slot, is_st=True)
        return slot + 1

    def _stx(self, st: State, slot: int, work) -> int:
        insn = self.prog.insns[slot]
        f = st.frames[-1]
        src, dst = insn.src, insn.dst
        value = f.regs[src]
        if value.type == NOT_INIT:      # self.read, written out
            raise Reject(f"R{src} !read_ok", slot, regs=(src,))
        if f.regs[dst].type == NOT_INIT:
            raise Reject(f"R{dst} !read_ok", slot, regs=(dst,))
        off, size = insn.off, self.prog.rows[slot].size
        if dst == 10 and self.priv and not off & (size - 1) and -MAX_STACK <= off <= -size:
            # the common case of _mem_access and _stack_access, for r10 (a pointer to the
            # running frame's stack, offset 0): an aligned store inside the stack
            value = value.copy()
            self._link_spill(f, value, src, off, size)
            self._stack_used(f, off)
            self._stack_write(f, off, size, value, slot, False)
            if self.dynamic:
                self._spill_flag(st, f, off)
            return slot + 1
        self._mem_access(st, dst, off, size, True, value.copy(), slot, value_regno=src)
        return slot + 1

    def _atomic_insn(self, st: State, slot: int, work) -> int:
        self._atomic(st, self.prog.insns[slot], self.prog.rows[slot], slot)
        return slot + 1

    def _ldpkt(self, st: State, slot: int, work) -> int:
        self._ld_abs(st.frames[-1], self.prog.insns[slot], self.prog.rows[slot], slot)
        return slot + 1

    def _ja(self, st: State, slot: int, work) -> int:
        return self._dec[slot]      # the target

    def _call(self, st: State, slot: int, work) -> int | None:
        insn, name = self.prog.insns[slot], self.prog.rows[slot].name
        if name == "call_local":
            return self._call_local(st, insn, slot)
        if name == "call_kfunc":
            return self._kfunc_call(st, insn, slot)
        return self._helper_call(st, insn, slot, work)

    def _callx(self, st: State, slot: int, work):
        raise Reject(f"unknown opcode {self.prog.insns[slot].opcode:02x}", slot)

    def _exit_insn(self, st: State, slot: int, work) -> int | None:
        return self._exit(st, slot)

    # ---------------------------------------------------------------- precision (backtracking)
    def _mark_precise(self, st: State, regs: int) -> None:
        """mark_chain_precision: the scalars in ``regs`` (a mask of the running frame's
        registers) are used, at this instruction, in a way whose safety depends on their
        values; mark what they were computed from precise in the checkpoints this path
        passed (see :meth:`_backtrack`)."""
        if self.dynamic and regs:
            br = [0] * _BT_FRAMES
            br[len(st.frames) - 1] = regs
            self._backtrack(st, br, [0] * _BT_FRAMES, True)

    def _backtrack(self, st: State, br: list, bs: list, skip: bool) -> None:
        """Walk ``st``'s history back from its newest instruction (``skip``: not that one,
        the instruction needing the values), through its checkpoints and theirs, turning
        the registers ``br`` and stack slots ``bs`` needed (bit masks by frame) into those
        they came from; at each checkpoint, mark the scalars still needed precise in its
        saved state, and stop when nothing is left to find or a checkpoint had them
        already. Where the history cannot be followed (legacy packet loads, callbacks,
        atomics on needed values), every checkpoint on the path falls back to the static
        relevance analysis (the kernel's mark_all_scalars_precise)."""
        fr = len(st.frames) - 1
        cell = st.hist
        sub = -1
        if skip and cell is not None:
            sub, cell = cell[0], cell[2]
        cp = st.parent
        step = self._bt_step
        codes = self._bt_code
        if codes is None:
            codes = self._bt_code = self._bt_codes()
        while True:
            while cell is not None:
                slot = cell[0]
                code = codes[slot]
                if code[0] != _BT_NOP:
                    flags = cell[1]
                    if flags == _CALLBACK and code[0] == _BT_CALL and sub == slot + 1:
                        flags = None    # (the path where the helper did not call back)
                    fr = step(code, flags, fr, br, bs)
                    if fr < 0:
                        return self._all_precise(st)
                    if not br[fr] and not (any(br) or any(bs)):
                        return
                sub, cell = slot, cell[2]
            if cp is None:
                # the program's first instruction: only r1 (the context) and r10 were set
                if fr or any(bs) or any(br[1:]) or br[0] & ~0x402:
                    self._all_precise(st)
                return
            snap = cp.snap
            if snap is None or len(snap.frames) != fr + 1:
                return self._all_precise(st)
            prec = snap.prec
            if prec is None:       # compared by the static analysis, as its ancestors are
                return
            left = False
            for i in range(fr + 1):
                p = prec[i]
                m = br[i]
                if m:
                    regs = snap.frames[i].regs
                    keep = 0
                    for r in _set_bits(m & ~p[0]):
                        if regs[r].type == SCALAR:
                            keep |= 1 << r
                    p[0] |= keep
                    br[i] = keep
                    left = left or bool(keep)
                m = bs[i]
                if m:
                    stack = snap.frames[i].stack
                    keep = 0
                    m &= ~p[1]
                    while m:
                        low = m & -m
                        m ^= low
                        sl = stack.get(low.bit_length() - 1)
                        if sl is not None and sl.spill is not None and sl.types[7] == "S" \
                                and sl.spill.type == SCALAR:
                            keep |= low
                    p[1] |= keep
                    bs[i] = keep
                    left = left or bool(keep)
            if not left:
                return
            sub, cell, cp = cp.slot, cp.hist, cp.parent

    @staticmethod
    def _all_precise(st: State) -> None:
        """Every checkpoint on ``st``'s path compares what the static analysis says matters."""
        p = st.parent
        while p is not None:
            snap = p.snap
            if snap is not None:
                if snap.prec is None:
                    return      # (and so are its ancestors)
                snap.prec = None
            p = p.parent

    def _bt_codes(self) -> list:
        """Per slot, ``(code, dst, src, written)`` for :meth:`_bt_step`."""
        out = []
        for insn, row in zip(self.prog.insns, self.prog.rows):
            if insn is None or row is None:       # (the second half of an lddw)
                out.append((_BT_NOP, 0, 0, 0))
                continue
            d, sr, kind = insn.dst, insn.src, row.kind
            code, w = _BT_NOP, 0
            if kind == "alu":
                if _is_move(row.fn):
                    code = _BT_MOV if row.source_is_reg else _BT_SET
                elif row.source_is_reg:
                    code = _BT_ALU
            elif kind == "lddw":
                code = _BT_SET
            elif kind == "ldx":
                code = _BT_LDX
            elif kind in ("st", "stx"):
                code = _BT_STORE
                if kind == "st":
                    sr = -1
            elif kind == "atomic":
                code = _BT_ATOMIC
                w = 1 if row.sym == "cmpxchg" else (1 << sr if row.fetch else 0)
            elif kind == "ldpkt":
                code, w = _BT_ATOMIC, 0x3F
            elif kind == "jmp":
                code = _BT_JMP
                if not row.source_is_reg:
                    sr = -1
            elif kind == "call":
                code = _BT_LOCAL if row.name == "call_local" else _BT_CALL
            elif kind == "exit":
                code = _BT_EXIT
            elif kind == "callx":
                code = _BT_FAIL
            out.append((code, d, sr, w))
        return out

    @staticmethod
    def _bt_step(op: tuple, flags, fr: int, br: list, bs: list) -> int:
        """backtrack_insn: what was needed after an instruction (``op``, its entry of
        :meth:`_bt_codes`; ``flags`` its history's; run in frame ``fr``) becomes what is
        needed before it. Returns the frame before it, or -1 where the history cannot be
        followed."""
        code, d, s, w = op
        m = br[fr]
        if code == _BT_MOV:            # dst = src: src is needed in dst's place
            if m >> d & 1:
                br[fr] = m & ~(1 << d) | (1 << s & 0x3FF)
            return fr
        if code == _BT_ALU:            # dst op= src: both are
            if m >> d & 1:
                br[fr] = m | (1 << s & 0x3FF)
            return fr
        if code == _BT_SET:            # dst = constant
            br[fr] = m & ~(1 << d)
            return fr
        if code == _BT_JMP:
            if type(flags) is tuple:
                _sync_linked(flags, br, bs)
            if s >= 0 and (m >> d | m >> s) & 1:    # both compared registers
                br[fr] = m | ((1 << d | 1 << s) & 0x3FF)
            if type(flags) is tuple:
                _sync_linked(flags, br, bs)
            return fr
        if code == _BT_LDX:            # dst = a load: from a spilled register, its slot
            if m >> d & 1:
                br[fr] = m & ~(1 << d)
                if flags is not None and flags >= 0:
                    bs[flags >> 6] |= 1 << (flags & 63)
            return fr
        if code == _BT_STORE:          # a spill of a needed slot: its source is needed
            if flags is not None and flags >= 0:
                sf, bit = flags >> 6, 1 << (flags & 63)
                if bs[sf] & bit:
                    bs[sf] &= ~bit
                    if s >= 0:
                        br[fr] |= 1 << s & 0x3FF
            return fr
        if code == _BT_CALL:           # helper or kfunc: r0 is its result
            if flags == _CALLBACK or m & 0x3E:
                return -1
            br[fr] = m & ~1
            return fr
        if code == _BT_EXIT:           # a subprogram returned into frame fr: its r0
            if flags == _CALLBACK or m & 0x3E or fr + 1 >= _BT_FRAMES:
                return -1
            br[fr] = m & ~1
            br[fr + 1], bs[fr + 1] = m & 1, 0
            return fr + 1
        if code == _BT_LOCAL:          # the call into the subprogram run in frame fr
            if fr == 0 or m & ~0x43E or bs[fr]:
                return -1
            br[fr] = 0
            br[fr - 1] |= m & 0x3E
            return fr - 1
        if code == _BT_ATOMIC:         # (and legacy packet loads)
            if m & w or (flags is not None and flags >= 0 and
                         bs[flags >> 6] >> (flags & 63) & 1):
                return -1
            return fr
        return -1

    @staticmethod
    def _link_history(st: State, *ids: int) -> None:
        """Record on this jump the scalars sharing an id with its operands, which the
        branches narrow together (the kernel's linked registers in the jump history)."""
        members = []
        for i, f in enumerate(st.frames):
            regs = f.regs
            for r in range(10):
                reg = regs[r]
                if reg.id and reg.type == SCALAR and reg.id in ids:
                    members.append((i, 0, r))
            for spi, sl in f.stack.items():
                sp = sl.spill
                if sp is not None and sp.id and sp.type == SCALAR and sp.id in ids \
                        and sl.types[7] == "S":
                    members.append((i, 1, spi))
        if len(members) > 1:
            st.hist[1] = tuple(members)

    # ---------------------------------------------------------------- ALU
    def _concrete(self, fn, a, b, width):
        return R._concrete(R._semantics(), fn, width, a, b)

    def _alu_decode(self, insn, row) -> tuple:
        """An ALU instruction's operands: ``(what, dst, src, k, width, fn, kb)``: ``what`` one
        of the ``_ALU_*`` cases below; ``src`` the source register, or -1 for an immediate,
        whose value as an operand is ``k`` (a shared constant register), of bounds ``kb``
        (:func:`regs.bounds`, else None); for ``_ALU_REFUSE``, ``k`` is the message for the
        refusal the instruction always gets."""
        d, width, fn, imm = insn.dst, row.width, row.fn, insn.imm
        if row.source_is_reg:
            s, k, kb = insn.src, None, None
        else:
            s, k = -1, self._imm(imm if width == 64 else imm & R.M32)
            kb = R.bounds(k)
        if s < 0 and fn in _SHIFT_FNS and (imm < 0 or imm >= width):
            return _ALU_REFUSE, d, s, f"invalid shift {imm}", width, fn, kb
        if s < 0 and fn in _DIV_FNS and imm == 0:
            return _ALU_REFUSE, d, s, "div by zero", width, fn, kb
        if fn == "mov" and s < 0:
            return _ALU_MOV_IMM, d, s, k, width, fn, kb
        if _is_move(fn):
            return _ALU_MOV, d, s, k, width, fn, kb
        if fn in ("neg64", "neg32"):
            return _ALU_NEG, d, s, k, width, fn, kb
        return _ALU_OP, d, s, k, width, fn, kb

    def _alu(self, st: State, slot: int, work) -> int:
        what, d, s, k, width, fn, kb = self._dec[slot]
        if not self.priv:   # speculative paths skip the masking checks (sanitize_ptr_alu)
            self.spec_now = type(st) is _Speculative
        f = st.frames[-1]
        regs = f.regs
        if what is _ALU_OP:         # dst = dst fn src: the common case, checks written out
            dst = regs[d]
            if dst.type == NOT_INIT:
                raise Reject(f"R{d} !read_ok", slot, regs=(d,))
            if s >= 0:
                src = regs[s]
                if src.type == NOT_INIT:
                    raise Reject(f"R{s} !read_ok", slot, regs=(s,))
            else:
                src = k
            if d == 10:
                raise Reject("frame pointer is read only", slot, regs=(10,))
            if dst.type != SCALAR or src.type != SCALAR:
                if s >= 0 and self.dynamic and (dst.type == SCALAR) != (src.type == SCALAR):
                    # pointer +- scalar: the scalar's range becomes the pointer's offset
                    self._mark_precise(st, 1 << (d if dst.type == SCALAR else s))
                f.put(d, self._ptr_alu(self.prog.insns[slot], self.prog.rows[slot], dst, src,
                                       slot))
                return slot + 1
            if not f.mine >> d & 1:
                dst = f.own(d)
            R.alu(fn, width, dst, dst if s == d else src, kb)
            return slot + 1
        if what is _ALU_MOV_IMM:
            self.write_check(d, slot)     # a constant, zero-extended by a 32-bit move
            regs[d] = k                   # shared: the frame does not own it
            f.mine &= ~(1 << d)
            return slot + 1
        if what is _ALU_MOV:       # from a register (movsx has no immediate form)
            src = self.read(f, s, slot)
            if not self.priv and src.is_ptr and (width == 32 or fn != "mov"):
                part = "partial copy of" if width == 32 else "sign-extension part of"
                raise Reject(f"R{s} {part} pointer", slot, regs=(s,))
            if src.type == SCALAR and not src.id and src.var[1]:
                src = f.own(s)     # the move may link it to the copy (an id)
            self.write_check(d, slot)
            f.put(d, self._mov(src, width, fn, True))
            return slot + 1
        if what is _ALU_REFUSE:
            raise Reject(k, slot)
        self.read(f, d, slot)      # _ALU_NEG
        self._no_ptr_arith(f, d, slot)
        self.write_check(d, slot)
        dst = f.own(d)
        if dst.is_scalar and dst.is_const:
            dst.set_const(self._concrete(fn, dst.value, 0, width))
        else:
            dst.mark_unknown()
            if width == 32:
                R.zext32(dst)
        return slot + 1

    def _imm(self, value: int) -> Reg:
        """The constant ``value``: one register per value, shared and never changed in place.
        Operands of ALU and jump instructions (which only read them), and what ``dst = imm``
        puts in a frame without giving it ownership (``Frame.own`` copies it before a change)."""
        r = self._imms.get(value)
        if r is None:
            r = self._imms[value] = Reg.const(value)
        return r

    def _no_ptr_arith(self, f: Frame, r: int, slot: int) -> None:
        """Unprivileged: neg and byte swaps of a pointer are refused (check_alu_op)."""
        if not self.priv and f.regs[r].is_ptr:
            raise Reject(f"R{r} pointer arithmetic prohibited", slot, regs=(r,))

    def _mov(self, src: Reg, width: int, fn: str, is_reg: bool) -> Reg:
        if fn.startswith("movsx"):
            bits = int(fn[5:])
            if not src.is_scalar:
                out = Reg.scalar()
            else:
                out = src.copy()
                out.id = 0
                if out.is_const:
                    v = out.value & ((1 << bits) - 1)
                    out.set_const(v - (1 << bits) if v >> (bits - 1) else v)
                else:
                    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
                    if not (lo <= out.smin and out.smax <= hi):
                        out = Reg.scalar()
                        out.smin, out.smax = lo, hi
                        R.sync(out)
            if width == 32:
                R.zext32(out)
            return out
        if width == 64:
            if is_reg and src.is_scalar and not src.id and not src.is_const:
                src.id = self.new_id()
            return src.copy()
        # 32-bit move
        if not src.is_scalar:
            out = Reg.scalar()
            R.zext32(out)
            return out
        out = src.copy()
        fits = out.umax <= R.M32
        if is_reg and fits and not out.id and not out.is_const:
            src.id = self.new_id()
            out.id = src.id
        if not fits:
            out.id = 0
        R.zext32(out)
        return out

    def _ptr_alu(self, insn, row, dst: Reg, src: Reg, slot: int) -> Reg:
        d = insn.dst
        sym = row.sym
        if dst.is_ptr and src.is_ptr:
            if row.fn == "sub" and self.priv:
                return Reg.scalar()
            raise Reject(f"R{d} pointer {sym} pointer prohibited", slot, regs=(d, insn.src))
        if row.width == 32:
            if row.fn == "sub":
                out = Reg.scalar()
                return out
            raise Reject(f"R{d} 32-bit pointer arithmetic prohibited", slot, regs=(d,))
        ptr, off = (dst, src) if dst.is_ptr else (src, dst)
        if ptr.null:
            raise Reject(f"R{d} pointer arithmetic on {ptr.type_str} prohibited, null-check it "
                         f"first", slot, regs=(d,))
        known = off.is_const
        if ptr.type == MAP_PTR and known and off.value == 0 and row.fn == "add":
            return ptr.copy()
        if ptr.type not in (CTX, MAP_VALUE, MAP_KEY, STACK, PKT, PKT_META, MEM, RINGBUF_MEM, FUNC,
                            UNKNOWN_PTR) and not (ptr.type == FLOW_KEYS and known):
            raise Reject(f"R{d} pointer arithmetic on {ptr.type_str} prohibited", slot, regs=(d,))
        self._sane_offset(off, ptr.type, slot, d)
        self._sane_offset(ptr, ptr.type, slot, d)
        speculative = not self.priv and row.source_is_reg and row.fn in ("add", "sub") and \
            not self.spec_now
        if speculative:
            before = self._sanitize_ptr_alu(insn, row, ptr, off,
                                            insn.src if dst.is_ptr else d, slot)
        out = ptr.copy()
        out.s32min, out.s32max, out.u32min, out.u32max = R.S32_MIN, R.S32_MAX, 0, R.M32
        if row.fn == "add":
            sval = off.smin
            if known and -(1 << 31) <= ptr.off + sval < (1 << 31):
                out.off = ptr.off + sval
            else:
                out.smin, out.smax = R._signed_add(ptr.smin, ptr.smax, off.smin, off.smax,
                                                   R.S64_MIN, R.S64_MAX)
                lo, hi = ptr.umin + off.umin, ptr.umax + off.umax
                out.umin, out.umax = (lo, hi) if hi <= R.M64 else (0, R.M64)
                out.var = T.add(ptr.var, off.var)
                if ptr.type in PKT_TYPES:
                    out.id = self.new_id()
                    out.range = 0
        elif row.fn == "sub":
            if dst is off:
                raise Reject(f"R{d} tried to subtract pointer from scalar", slot, regs=(d,))
            if ptr.type == STACK:
                raise Reject(f"R{d} subtraction from stack pointer prohibited", slot, regs=(d,))
            sval = off.smin
            if known and -(1 << 31) <= ptr.off - sval < (1 << 31):
                out.off = ptr.off - sval
            else:
                out.smin, out.smax = R._signed_sub(ptr.smin, ptr.smax, off.smin, off.smax,
                                                   R.S64_MIN, R.S64_MAX)
                if ptr.umin < off.umax:
                    out.umin, out.umax = 0, R.M64
                else:
                    out.umin, out.umax = ptr.umin - off.umax, ptr.umax - off.umin
                out.var = T.sub(ptr.var, off.var)
                if ptr.type in PKT_TYPES:
                    out.id = self.new_id()
                    out.range = 0
        elif row.fn in ("band", "bor", "bxor"):
            raise Reject(f"R{d} bitwise operator {sym} on pointer prohibited", slot, regs=(d,))
        else:
            raise Reject(f"R{d} pointer arithmetic with {sym} operator prohibited", slot, regs=(d,))
        self._sane_offset(out, ptr.type, slot, d)
        R.sync(out)
        if not self.priv:
            self._sanitize_check_bounds(out, d, slot)
        if speculative:
            state, limit = before
            after = self._ptr_limit(out, state[1])
            if after is None:
                raise Reject(f"R{d} tried to {row.fn} beyond pointer bounds, {_NOT_ROOT}", slot,
                             regs=(d,))
            key = (state, abs(limit - after))
            seen = self.alu_sanitation.setdefault(slot, key)
            if seen != key:
                raise Reject(f"R{d} tried to {row.fn} from different maps, paths or scalars, "
                             f"{_NOT_ROOT}", slot, regs=(d,))
        return out

    # ---------------------------------------------------------------- speculation (unprivileged)
    def _sanitize_ptr_alu(self, insn, row, ptr: Reg, off: Reg, off_regno: int,
                          slot: int) -> tuple:
        """sanitize_ptr_alu before the operation: ((offset negative, masks to the left,
        immediate, pointer in dst), limit), or the refusal. Only a register operand is
        masked (an immediate cannot be steered by speculation)."""
        if not off.is_const and (off.smin < 0) != (off.smax < 0):
            raise Reject(f"R{off_regno} has unknown scalar with mixed signed bounds, {_NOT_ROOT}",
                         slot, regs=(off_regno,))
        neg = off.smin < 0
        left = (row.fn == "add" and neg) or (row.fn == "sub" and not neg)
        limit = self._ptr_limit(ptr, left)
        if limit is None:
            if ptr.type not in (STACK, MAP_VALUE):
                regno = insn.src if off_regno == insn.dst else insn.dst
                raise Reject(f"R{regno} has pointer with unsupported alu operation, {_NOT_ROOT}",
                             slot, regs=(regno,))
            raise Reject(f"R{insn.dst} tried to {row.fn} beyond pointer bounds, {_NOT_ROOT}", slot,
                         regs=(insn.dst,))
        return (neg, left, off.is_const, off_regno == insn.src), limit

    @staticmethod
    def _ptr_limit(ptr: Reg, left: bool) -> int | None:
        """retrieve_ptr_limit: how far the pointer may move (None: it may not be masked)."""
        if ptr.type == STACK:
            top, lim = MAX_STACK + left, -(R.s64(ptr.var[0]) + ptr.off)
        elif ptr.type == MAP_VALUE:
            top = ptr.map.value_size
            lim = (ptr.smin if left else ptr.umax) + ptr.off
        else:
            return None
        return None if (lim & R.M32) >= top else lim

    def _sanitize_check_bounds(self, out: Reg, d: int, slot: int) -> None:
        """sanitize_check_bounds: the moved pointer must stay inside its object."""
        if out.type == STACK:
            off = out.off + R.s64(out.var[0])
            if not out.is_const:
                raise Reject(f"R{d} variable stack access prohibited for !root, "
                             f"var_off={T.fmt(out.var)} off={off}", slot, regs=(d,))
            if off >= 0 or off < -MAX_STACK:
                raise Reject(f"R{d} stack pointer arithmetic goes out of range, prohibited for "
                             f"!root; off={off}", slot, regs=(d,))
        elif out.type == MAP_VALUE:
            try:
                self._mem_region(out, d, out.off, 1, out.map.value_size, "map value", slot)
            except Reject:
                raise Reject(f"R{d} pointer arithmetic of map value goes out of range, "
                             f"prohibited for !root", slot, regs=(d,)) from None

    def _sane_offset(self, reg: Reg, ptype: str, slot: int, d: int) -> None:
        # (three per pointer ALU instruction: is_const, value and s64 written out)
        val, mask = reg.var
        if not mask:
            val = val - (1 << 64) if val >> 63 else val
            if val >= MAX_VAR_OFF or val <= -MAX_VAR_OFF:
                raise Reject(f"math between {ptype} pointer and {val} is not allowed", slot,
                             regs=(d,))
        if reg.off >= MAX_VAR_OFF or reg.off <= -MAX_VAR_OFF:
            raise Reject(f"{ptype} pointer offset {reg.off} is not allowed", slot, regs=(d,))
        smin = reg.smin
        if smin == R.S64_MIN:
            raise Reject(f"math between {ptype} pointer and register with unbounded min value is "
                         f"not allowed", slot, regs=(d,))
        if smin >= MAX_VAR_OFF or smin <= -MAX_VAR_OFF:
            raise Reject(f"value {smin} makes {ptype} pointer be out of bounds", slot, regs=(d,))

    # ---------------------------------------------------------------- lddw
    def _lddw(self, insn, row, slot: int) -> Reg:
        if row.name == "lddw":
            return Reg.scalar(insn.imm)
        if row.name == "lddw_func":
            return Reg.pointer(FUNC, target=slot + s32i(insn.imm) + 1)
        resolved = self.resolve_map(slot, insn)
        if resolved is None:
            if row.name in ("lddw_map_fd", "lddw_map_idx"):
                raise Reject(f"fd {insn.imm & 0xFFFFFFFF} is not pointing to valid bpf_map", slot)
            return Reg.scalar()
        desc, offset = resolved
        if row.name in ("lddw_map_fd", "lddw_map_idx"):
            return Reg.pointer(MAP_PTR, map=desc)
        if row.name in ("lddw_map_value", "lddw_map_idx_value"):
            return Reg.pointer(MAP_VALUE, map=desc, off=offset)
        return Reg.scalar()

    # ---------------------------------------------------------------- memory
    def _mem_access(self, st: State, regno: int, off: int, size: int, write: bool,
                    value: Reg | None, slot: int, signed: bool = False, is_st: bool = False,
                    value_regno: int = -1) -> Reg | None:
        f = st.frames[-1]
        reg = f.regs[regno]
        t = reg.type
        if t == STACK:
            if reg.var[1] == 0:     # a constant offset: is_aligned(add(var, const(...))) is
                aligned = not (reg.var[0] + reg.off + off) & (size - 1)     # this test
            else:
                aligned = T.is_aligned(T.add(reg.var, T.const(reg.off + off)), size)
            if not aligned:
                var = str(reg.value) if reg.is_const else T.fmt(reg.var)
                raise Reject(f"misaligned stack access off {var}+{reg.off}+{off} "
                             f"size {size}", slot, regs=(regno,))
        off += reg.off
        if write and value_regno >= 0 and not self.priv and value.is_ptr and \
                t in _LEAK_INTO and not reg.null:
            raise Reject(f"R{value_regno} leaks addr into {_LEAK_INTO[t]}", slot,
                         regs=(value_regno,))
        if t == MAP_VALUE and not reg.null:
            m = reg.map
            if write and m.readonly_prog:
                raise Reject(f"write into map forbidden, value_size={m.value_size} off={off} "
                             f"size={size}", slot, regs=(regno,))
            self._mem_region(reg, regno, off, size, m.value_size, "map value", slot)
            if write:
                return None
            if m.readonly_prog and m.data is not None and reg.is_const:
                start = off + reg.value
                if 0 <= start and start + size <= len(m.data) and size in (1, 2, 4, 8):
                    v = int.from_bytes(m.data[start:start + size], "little")
                    out = Reg.scalar(v)
                    R.coerce_size(out, size, signed)
                    return out
            return self._loaded(size, signed)
        if t in (MEM, RINGBUF_MEM, MAP_KEY) and not reg.null:
            limit = reg.map.key_size if t == MAP_KEY else reg.mem_size
            self._mem_region(reg, regno, off, size, limit,
                             "map key" if t == MAP_KEY else "memory", slot)
            return None if write else self._loaded(size, signed)
        if t == CTX:
            if reg.off:
                raise Reject(f"dereference of modified ctx ptr R{regno} off={reg.off} disallowed",
                             slot, regs=(regno,))
            if not reg.is_const or reg.value:
                raise Reject(f"variable ctx access var_off={T.fmt(reg.var)} disallowed", slot,
                             regs=(regno,))
            kind = C.access(self.prog_type, off, size, write)
            if kind is None:
                raise Reject(f"invalid bpf_context access off={off} size={size}", slot,
                             regs=(regno,))
            if write:
                return None
            if kind == SCALAR:
                return self._loaded(size, signed)
            if kind.endswith("_or_null"):
                return Reg.pointer(kind[:-8], null=True, id=self.new_id())
            return Reg.pointer(kind)
        if t == STACK:
            if write and value_regno >= 0:
                self._link_spill(f, value, value_regno, reg.off + off, size)
            return self._stack_access(st, reg, regno, off, size, write, value, slot, signed,
                                      is_st, value_regno)
        if t in PKT_TYPES:
            if write and self.prog_type not in C.DIRECT_PACKET_WRITE:
                raise Reject("cannot write into packet", slot, regs=(regno,))
            if write and value_regno >= 0 and not self.priv and value.is_ptr:
                raise Reject(f"R{value_regno} leaks addr into packet", slot, regs=(value_regno,))
            self._packet_access(reg, regno, off, size, slot)
            return None if write else self._loaded(size, signed)
        if t == FLOW_KEYS:     # struct bpf_flow_keys: fixed offsets only (check_flow_keys_access)
            if write and value_regno >= 0 and not self.priv and value.is_ptr:
                raise Reject(f"R{value_regno} leaks addr into flow keys", slot, regs=(value_regno,))
            if off < 0 or off + size > C.FLOW_KEYS_SIZE:
                raise Reject(f"invalid access to flow keys off={off} size={size}", slot,
                             regs=(regno,))
            return None if write else self._loaded(size, signed)
        if t in _SOCKS and not reg.null and not write:
            return self._loaded(size, signed)   # struct bpf_sock fields: not modelled further
        if t == SCALAR and not write and not reg.is_const and self.prog_type in C.BTF_CTX:
            return self._loaded(size, signed)   # maybe a BTF pointer: pybpf lacks kernel BTF
        raise Reject(f"R{regno} invalid mem access '{reg.type_str}'", slot, regs=(regno,))

    def _unknown(self, size: int, signed: bool) -> Reg:
        """What :meth:`_loaded` copies: one register per verification and (size, signed),
        shared by the frames that load it and never changed in place (``Frame.own``)."""
        r = self._unknowns.get((size, signed))
        if r is None:
            r = self._unknowns[(size, signed)] = self._loaded(size, signed)
        return r

    def _link_spill(self, f: Frame, value: Reg, value_regno: int, off: int, size: int) -> None:
        """A register stored to the stack at ``off`` (mod 8) as ``value`` (its copy): an
        unknown scalar that fits, spilled at a slot's start, shares an id with the register."""
        if value.type == SCALAR and value.var[1] and off % 8 == 0 and \
                value.umax.bit_length() <= 8 * size:     # (is_scalar, not is_const)
            src = f.regs[value_regno]       # link the register and its spilled copy
            if not src.id:
                src = f.own(value_regno)
                src.id = self.new_id()
            value.id = src.id

    def _loaded(self, size: int, signed: bool) -> Reg:
        """An unknown value loaded from memory, zero- or sign-extended from ``size`` bytes."""
        key = (size, signed)
        r = _LOADED.get(key)
        if r is None:
            r = _LOADED[key] = Reg.scalar()
            R.coerce_size(r, size, signed)
        return r.copy()

    def _mem_region(self, reg: Reg, regno: int, off: int, size: int, limit: int, what: str,
                    slot: int, zero_ok: bool = False) -> None:
        """check_mem_region_access."""
        if reg.smin < 0 and (reg.smin == R.S64_MIN or not (-(1 << 31) <= off + reg.smin < (1 << 31))
                             or reg.smin + off < 0):
            raise Reject(f"R{regno} min value is negative, either use unsigned index or do a "
                         f"if (index >=0) check.", slot, regs=(regno,))
        lo = reg.smin + off
        if not self._in_mem(lo, size, limit, zero_ok):
            raise Reject(f"R{regno} min value is outside of the allowed memory range", slot,
                         notes=(self._mem_note(what, limit, lo, size),), regs=(regno,))
        if reg.umax >= MAX_VAR_OFF:
            raise Reject(f"R{regno} unbounded memory access, make sure to bounds check any such "
                         f"access", slot, regs=(regno,))
        hi = reg.umax + off
        if not self._in_mem(hi, size, limit, zero_ok):
            raise Reject(f"R{regno} max value is outside of the allowed memory range", slot,
                         notes=(self._mem_note(what, limit, hi, size),), regs=(regno,))

    @staticmethod
    def _in_mem(off: int, size: int, limit: int, zero_ok: bool) -> bool:
        size_ok = size > 0 or (size == 0 and zero_ok)
        return off >= 0 and size_ok and off + size <= limit

    @staticmethod
    def _mem_note(what: str, limit: int, off: int, size: int) -> str:
        if what == "map value":
            return f"invalid access to map value, value_size={limit} off={off} size={size}"
        if what == "map key":
            return f"invalid access to map key, key_size={limit} off={off} size={size}"
        return f"invalid access to memory, mem_size={limit} off={off} size={size}"

    def _packet_access(self, reg: Reg, regno: int, off: int, size: int, slot: int,
                       zero_ok: bool = False) -> None:
        if reg.smin < 0:
            raise Reject(f"R{regno} min value is negative, either use unsigned index or do a "
                         f"if (index >=0) check.", slot, regs=(regno,))
        if not self._in_mem(off, size, reg.range, zero_ok):
            note = (f"invalid access to packet, off={off} size={size}, "
                    f"R{regno}(id={reg.id},off={off},r={reg.range})")
            raise Reject(f"R{regno} offset is outside of the packet", slot, notes=(note,),
                         regs=(regno,))

    def _stack_frame(self, st: State, reg: Reg) -> Frame:
        cur = st.frames[-1]
        if cur.frameno == reg.frameno:      # the common case: the running frame's stack
            return cur
        for f in st.frames:
            if f.frameno == reg.frameno:
                return f
        return st.cur

    def _stack_bounds(self, reg: Reg, regno: int, off: int, size: int, what: str,
                      slot: int) -> tuple[int, int]:
        """check_stack_access_within_bounds: the byte range [lo, hi) touched."""
        if reg.is_const:
            lo = R.s64(reg.value) + off
            hi = lo + size
        else:
            if reg.smax >= MAX_VAR_OFF or reg.smin <= -MAX_VAR_OFF:
                raise Reject(f"invalid unbounded variable-offset{what} stack R{regno}", slot,
                             regs=(regno,))
            lo = reg.smin + off
            hi = reg.smax + off + size
        if lo < -MAX_STACK or hi > 0 or size < 0:
            if reg.is_const:
                raise Reject(f"invalid{what} stack R{regno} off={off} size={size}", slot,
                             regs=(regno,))
            raise Reject(f"invalid variable-offset{what} stack R{regno} var_off={T.fmt(reg.var)} "
                         f"off={off} size={size}", slot, regs=(regno,))
        return lo, hi

    def _stack_access(self, st, reg, regno, off, size, write, value, slot, signed, is_st,
                      value_regno):
        frame = self._stack_frame(st, reg)
        lo, hi = self._stack_bounds(reg, regno, off, size, " write to" if write else " read from",
                                    slot)
        if not write and not self.priv:
            self._stack_initialized(frame, reg, regno, off, lo, hi, size, slot, direct=True)
        self._stack_used(frame, lo)
        if not reg.is_const:
            if write:
                for b in range(lo, hi):
                    s = frame.slot((-b - 1) // 8)
                    if s.types[7] == "S":
                        s.types = s.types.translate(_TO_MISC)
                    s.spill = None
                    s.set((-b - 1) % 8, "M")
                return None
            return self._loaded(size, signed)
        if write:
            self._stack_write(frame, lo, size, value, slot, is_st, frame is not st.cur)
            if self.dynamic:
                self._spill_flag(st, frame, lo)
            return None
        if self.dynamic:
            self._spill_flag(st, frame, lo)
        return self._stack_read(frame, lo, size, slot, signed)

    @staticmethod
    def _spill_flag(st: State, frame: Frame, off: int) -> None:
        """Record in the history that this instruction spilled a register to, or filled one
        from, the slot of byte ``off`` (backtracking follows a value through the stack)."""
        spi = (-off - 1) // 8
        s = frame.stack.get(spi)
        if s is not None and s.spill is not None and s.types[7] == "S":
            st.hist[1] = frame.frameno * 64 + spi

    def _stack_used(self, frame: Frame, lo: int) -> None:
        """Stack bytes from ``lo`` up were touched: the frame's depth, its subprogram's."""
        if -lo > frame.depth:
            frame.depth = -lo
        sp = frame.subprog
        if -lo > self.stack_depth.get(sp, 0):
            self.stack_depth[sp] = -lo

    def _stack_initialized(self, frame: Frame, reg: Reg, regno: int, off: int, lo: int, hi: int,
                           size: int, slot: int, direct: bool, bounded: bool = True) -> None:
        """Unprivileged stack reads: inside the stack written so far (allocated_stack, when
        ``bounded``) and of initialised bytes only. ``direct`` for a load; else a helper
        reading memory, for which a slot holding a spilled scalar counts as initialised."""
        allocated = 8 * (max(frame.stack, default=-1) + 1)
        if bounded and lo < -allocated:
            raise Reject(f"invalid read from stack R{regno} off={off} size={size}", slot,
                         regs=(regno,))
        for b in range(lo, hi):
            s = frame.stack.get((-b - 1) // 8)
            kind = s.types[(-b - 1) % 8] if s is not None else "I"
            if not direct and s is not None and s.is_spill and s.spill.is_scalar:
                continue
            if kind in ("M", "Z") or (kind == "S" and direct):
                continue
            where = f"R{regno} off {lo}" if not direct else f"off {lo}"
            raise Reject(f"invalid read from stack {where}+{b - lo} size {size}", slot,
                         regs=(regno,))

    def _stack_write(self, frame: Frame, off: int, size: int, value: Reg, slot: int,
                     is_st: bool, callers: bool = False) -> None:
        """A write at fixed offset ``off`` of ``frame``; ``callers``: a caller's frame, where
        no stack pointer may be spilled (it could outlive the frame it points into)."""
        aligned = off % 8 == 0
        scalar = value.type == SCALAR       # (is_scalar; is_ptr: neither scalar nor NOT_INIT)
        is_ptr = not scalar and value.type != NOT_INIT
        if is_ptr:
            if size != 8:
                raise Reject("invalid size of register spill", slot)
            if callers and value.type == STACK:
                raise Reject("cannot spill pointers to stack into stack frame of the caller", slot)
        spi = (-off - 1) // 8
        s = frame.slot(spi)
        if not self.priv and (is_ptr or any(t not in "MZ" for t in s.types[:size])):
            # check_stack_write_fixed_off: a pointer spilled, or a slot not plain data yet
            # overwritten (the kernel looks at its first ``size`` type bytes)
            self.nospec_result.add(slot)
        if aligned and scalar:
            if value.id and value.umax > (1 << (8 * size)) - 1 and size < 8:
                value.id = 0
            self._save_spill(s, value, size)
            return
        if is_ptr:
            self._save_spill(s, value, 8)
            return
        s.spill = None
        key = (s.types, (-off - 1) % 8, size, "Z" if value.is_null_const() else "M")
        types = _WRITTEN.get(key)
        if types is None:
            old, idx, size, kind = key
            types = list(old.translate(_TO_MISC) if old[7] == "S" else old)
            for i in range(size):
                types[idx - i] = kind
            types = _WRITTEN[key] = "".join(types)
        s.types = types

    @staticmethod
    def _save_spill(s, value: Reg, size: int) -> None:
        s.spill = value     # a register of its own (callers pass a copy)
        key = (s.types, size)
        types = _SPILLED.get(key)
        if types is None:
            types = list(s.types)
            for i in range(8, 8 - size, -1):
                types[i - 1] = "S"
            for i in range(8 - size, 0, -1):
                if types[i - 1] not in ("Z", "I"):
                    types[i - 1] = "M"
            types = _SPILLED[key] = "".join(types)
        s.types = types

    def _stack_read(self, frame: Frame, off: int, size: int, slot: int, signed: bool) -> Reg:
        spi = (-off - 1) // 8
        s = frame.stack.get(spi)
        if s is None:
            return self._loaded(size, signed)
        if s.is_spill:
            sp = s.spill
            if size != 8:
                if not sp.is_scalar:
                    raise Reject("invalid size of register fill", slot)
                spill_size = sum(1 for t in s.types if t == "S")
                if size <= spill_size and off % 8 == 0:
                    out = sp.copy()
                    if out.umax > (1 << (8 * size)) - 1:
                        out.id = 0
                    R.coerce_size(out, size, signed)
                    return out
                types = [s.types[((-off - 1) % 8) - i] for i in range(size)]
                if all(t == "S" for t in types) and sp.is_const and sp.value == 0:
                    return Reg.scalar(0)
                if all(t == "Z" for t in types):
                    return Reg.scalar(0)
                return self._loaded(size, signed)
            return sp.copy()
        idx = (-off - 1) % 8
        types = [s.types[idx - i] for i in range(size)]
        if all(t == "Z" for t in types):
            return Reg.scalar(0)
        return self._loaded(size, signed)

    # ---------------------------------------------------------------- atomics, legacy loads
    def _atomic(self, st: State, insn, row, slot: int) -> None:
        f = st.cur
        self.read(f, insn.src, slot)
        self.read(f, insn.dst, slot)
        cmpxchg = row.sym == "cmpxchg"
        if cmpxchg:
            self.read(f, 0, slot)
        dst = f.regs[insn.dst]
        if not self.priv and f.regs[insn.src].is_ptr:
            raise Reject(f"R{insn.src} leaks addr into mem", slot, regs=(insn.src,))
        if dst.type in (CTX, PKT, PKT_META, "flow_keys", "sock", "sock_common", "tcp_sock"):
            raise Reject(f"BPF_ATOMIC stores into R{insn.dst} {dst.type_str} is not allowed", slot,
                         regs=(insn.dst,))
        load_reg = 0 if cmpxchg else (insn.src if row.fetch else -1)
        if load_reg >= 0:
            self.write_check(load_reg, slot)
        old = self._mem_access(st, insn.dst, insn.off, row.size, False, None, slot)
        self._mem_access(st, insn.dst, insn.off, row.size, True, Reg.scalar(), slot,
                         value_regno=insn.src)
        if load_reg >= 0:
            f.regs[load_reg] = old if old is not None and old.is_scalar else self._loaded(row.size, False)

    def _ld_abs(self, f: Frame, insn, row, slot: int) -> None:
        if C.modelled(self.prog_type) and self.prog_type not in C.LD_ABS:
            raise Reject("BPF_LD_[ABS|IND] instructions not allowed for this program type", slot)
        if f.regs[6].type != CTX:
            self.read(f, 6, slot)
            raise Reject("at the time of BPF_LD_ABS|IND R6 != pointer to skb", slot, regs=(6,))
        if row.name.startswith("ldind"):
            self.read(f, insn.src, slot)
        for r in _CALLER_SAVED:
            f.regs[r] = Reg()
        f.regs[0] = self._loaded(row.size, False)

    # ---------------------------------------------------------------- conditional jumps
    def _jmp_decode(self, slot: int, insn, row) -> tuple:
        """A conditional jump's operands: ``(dst, src, k, op, is32, target, kb)``; ``src`` is
        -1 for an immediate, whose value as an operand is ``k`` (a shared constant register),
        of bounds ``kb`` (:func:`regs.bounds`, else None)."""
        s, k = (insn.src, None) if row.source_is_reg else (-1, self._imm(insn.imm))
        return (insn.dst, s, k, _op(row), row.width == 32, jump_target(slot, insn, row),
                None if k is None else R.bounds(k))

    def _jmp(self, st: State, slot: int, work) -> int | None:
        d, s, k, op, is32, target, kb = self._dec[slot]
        f = st.frames[-1]
        dst = f.regs[d]
        if dst.type == NOT_INIT:
            raise Reject(f"R{d} !read_ok", slot, regs=(d,))
        if s >= 0:
            src = f.regs[s]
            if src.type == NOT_INIT:
                raise Reject(f"R{s} !read_ok", slot, regs=(s,))
            if not self.priv and src.is_ptr and not (dst.type in _PKT_ANY and
                                                     src.type in _PKT_ANY):
                raise Reject(f"R{s} pointer comparison prohibited", slot, regs=(s,))
        else:
            src = k
        fall = slot + 1
        scalars = dst.type == SCALAR and src.type == SCALAR and s != d
        if scalars:
            # for two scalars, the prediction and each branch's narrowing are a pure
            # function of the operands' bounds: memoised (the narrowing when unpredicted)
            db = (dst.var, dst.smin, dst.smax, dst.umin, dst.umax, dst.s32min, dst.s32max,
                  dst.u32min, dst.u32max)
            sb = (src.var, src.smin, src.smax, src.umin, src.umax, src.s32min, src.s32max,
                  src.u32min, src.u32max) if s >= 0 else kb
            key = (op, is32, db, sb)
            known = _REFINED.get(key)
            if known is None:
                if len(_REFINED) >= R._SYNC_CACHE_MAX:
                    _REFINED.clear()
                pred = _branch_taken(dst, src, op, is32)
                known = _REFINED[key] = (pred, None, None) if pred >= 0 else \
                    (pred, _refined(db, sb, op, is32), _refined(db, sb, _REV[op], is32))
            pred = known[0]
        else:
            pred = _branch_taken(dst, src, op, is32)
        if pred >= 0 and not self.priv:
            self._speculate(st, fall if pred == 1 else target, work, (d, s) if s >= 0 else (d,))
        if pred >= 0 and self.dynamic:
            # the path taken depends on the values compared: they must be precise
            self._mark_precise(st, (1 << d if dst.type == SCALAR else 0) |
                               (1 << s if s >= 0 and src.type == SCALAR else 0))
        if pred == 1:
            return target
        if pred == 0:
            return fall
        if scalars and self.dynamic:
            if known[1] is None or known[2] is None:
                # a branch the bounds rule out: as decided as one _branch_taken predicts
                self._mark_precise(st, 1 << d | (1 << s if s >= 0 else 0))
            elif dst.id or (s >= 0 and src.id):
                self._link_history(st, dst.id, src.id if s >= 0 else 0)
        other = self._push(st, target, work)
        if scalars:
            _, taken, not_taken = known
            if taken is None:
                work.pop()
                self._path_done(other)
            else:
                self._refine(other, other.frames[-1], d, s, db, sb, taken)
            if not_taken is None:
                return None
            self._refine(st, f, d, s, db, sb, not_taken)
            return fall
        if dst.type == SCALAR and src.type == SCALAR:
            return fall     # (s == d: nothing to learn)
        if not is32 and s < 0 and k.value == 0 and op in ("jeq", "jne") and dst.null:
            self._mark_null(other, dst.id, op == "jeq")
            self._mark_null(st, dst.id, op == "jne")
        elif not (not is32 and s >= 0 and self._pkt_compare(st, other, d, s, op)) \
                and not self.priv and dst.is_ptr:
            raise Reject(f"R{d} pointer comparison prohibited", slot, regs=(d,))
        return fall

    def _refine(self, st: State, f: Frame, d: int, s: int, db: tuple, sb: tuple,
                after: tuple) -> None:
        """The scalars compared, ``d op s`` (or ``d op k``: ``s`` is -1), narrowed on one
        branch: their bounds were ``db`` and ``sb``, ``after`` is what :func:`_refined` gave.
        A register whose bounds do not change is left shared; scalars linked by an id to a
        narrowed one get its bounds."""
        nd, ns = after
        for r, old, new in ((d, db, nd), (s, sb, ns)) if s >= 0 else ((d, db, nd),):
            reg = f.regs[r]
            if new == old and not reg.id:
                continue
            reg = f.own(r)
            (reg.var, reg.smin, reg.smax, reg.umin, reg.umax, reg.s32min, reg.s32max, reg.u32min,
             reg.u32max) = new      # (R.set_bounds, written out: both branches of a jump)
            if reg.id:
                rid = reg.id
                for other in st.regs_with(SCALAR, rid):
                    if other is not reg:
                        _copy_into(other, reg)
                        other.id = rid

    def _mark_null(self, st: State, rid: int, is_null: bool) -> None:
        ref = 0
        for r in st.regs_where(lambda g: g.null and g.id == rid):
            ref = ref or r.ref
            if is_null:
                r.__init__(SCALAR)
                r.set_const(0)
            else:
                r.null = False
                if r.type == MAP_PTR and r.map is not None and r.map.inner is not None:
                    r.map = r.map.inner
                if not r.ref:
                    r.id = 0
        if is_null and ref:
            st.refs = [x for x in st.refs if x[0] != ref]

    def _pkt_compare(self, st: State, other: State, dst: int, src: int, op: str) -> bool:
        """try_match_pkt_pointers: learn the packet range; whether the comparison was one."""
        f = st.cur
        d, s = f.regs[dst], f.regs[src]
        pairs = ((PKT, PKT_END), (PKT_META, PKT))
        for ptype, endtype in pairs:
            if d.type == ptype and s.type == endtype:
                pkt, rev = d, False
            elif d.type == endtype and s.type == ptype:
                pkt, rev = s, True
            else:
                continue
            which = (_PKT_END_LEFT if rev else _PKT_LEFT).get(op)
            if which is None:
                return False
            branch = st if which[0] == "fall" else other
            _good_pkt_pointers(branch, pkt, ptype, which[1])
            return True
        return False

    # ---------------------------------------------------------------- calls
    def _call_local(self, st: State, insn, slot: int) -> int:
        target = slot + s32i(insn.imm) + 1
        if len(st.frames) >= MAX_CALL_FRAMES:
            raise Reject(f"the call stack of {len(st.frames) + 1} frames is too deep", slot)
        caller = st.cur
        callee = Frame(len(st.frames), self._subprog_of[target], slot)
        for r in _CALLER_SAVED:
            callee.regs[r] = caller.regs[r].copy()
        st.frames.append(callee)
        return target

    def _kfunc_call(self, st: State, insn, slot: int) -> int:
        """kfuncs: the numeric iterators behind ``bpf_for``; any other kfunc returns an unknown.

        ``bpf_iter_num_next`` returns a pointer to 4 bytes, or NULL; its call is a
        checkpoint where a loop converges (see :meth:`_visited`).
        """
        f = st.cur
        name = self.kfuncs.get(slot, "")
        if name == "bpf_iter_num_new":
            for r in (1, 2, 3):
                self.read(f, r, slot)
            it = f.regs[1]
            if it.type != STACK:
                raise Reject("arg#0 expected pointer to an iterator on stack", slot, regs=(1,))
            self._helper_mem(st, 1, 8, True, slot)
            ret = Reg.scalar()
        elif name == "bpf_iter_num_next":
            self.read(f, 1, slot)
            ret = Reg.pointer(MEM, null=True, mem_size=4, id=self.new_id())
        elif name == "bpf_iter_num_destroy":
            self.read(f, 1, slot)
            ret = Reg()
        else:
            ret = Reg.scalar()
        for r in _CALLER_SAVED:
            f.regs[r] = Reg()
        f.regs[0] = ret
        return slot + 1

    def _exit(self, st: State, slot: int) -> int | None:
        f = st.cur
        if len(st.frames) > 1:
            r0 = f.regs[0]
            if f.callback is not None:
                if self.dynamic:
                    st.hist[1] = _CALLBACK
                self.read(f, 0, slot)
                self._r0_in_range(st, r0, f.callback, "At callback return", slot)
                ret = Reg.scalar()
            else:
                if r0.type == STACK and r0.frameno == f.frameno:
                    raise Reject("cannot return stack pointer to the caller", slot, regs=(0,))
                ret = r0.copy()
            st.frames.pop()
            caller = st.cur
            caller.regs[0] = ret
            for r in _CALLER_SAVED:
                caller.regs[r] = Reg()
            return f.callsite + 1
        if st.refs:
            rid, at = st.refs[0]
            raise Reject("BPF_EXIT instruction in main prog would lead to reference leak", slot,
                         notes=(f"Unreleased reference id={rid} alloc_insn={at}",))
        r0 = f.regs[0]
        if r0.type == NOT_INIT:
            raise Reject("R0 !read_ok", slot, regs=(0,))
        if not self.priv and r0.is_ptr:
            raise Reject("R0 leaks addr as return value", slot, regs=(0,))
        if self.ret_range is not None:      # check_return_code
            self._r0_in_range(st, r0, self.ret_range, "At program exit", slot)
        return None

    def _r0_in_range(self, st: State, r0: Reg, rng: tuple, where: str, slot: int) -> None:
        """R0 returned where its values are bounded: a scalar, marked precise (its value
        matters), within ``rng``."""
        lo, hi = rng
        if not r0.is_scalar:
            raise Reject(f"{where} the register R0 is not a known value ({r0.type_str})", slot,
                         regs=(0,))
        self._mark_precise(st, 1)
        if r0.smin < lo or r0.smax > hi:
            raise Reject(f"{where} the register R0 has {_scalar_desc(r0)} should have been in "
                         f"[{lo}, {hi}]", slot, regs=(0,))

    def _helper_call(self, st: State, insn, slot: int, work) -> int | None:
        f = st.cur
        hid = insn.imm
        name = P.helper_log_name(hid)
        if hid not in KERNEL_HELPERS:
            raise Reject(f"invalid func {name}#{hid}", slot)
        if hid in P.DENIED.get(self.prog_type or "", ()) or \
                (not self.priv and hid in P.PERFMON):
            raise Reject(f"program of this type cannot use helper {name}#{hid}", slot)
        proto = P.proto(hid, self.prog_type)
        if proto is None:   # not modelled: arguments unchecked, result unknown
            for r in _CALLER_SAVED:
                f.regs[r] = Reg()
            returns_ptr = "*" in KERNEL_HELPERS[hid].prototype.split("bpf_", 1)[0]
            f.regs[0] = (Reg.pointer(UNKNOWN_PTR, null=hid not in P.RET_NONNULL,
                                     id=self.new_id()) if returns_ptr else Reg.scalar())
            return slot + 1
        if proto.gpl and not self.gpl:
            raise Reject("cannot call GPL-restricted function from non-GPL compatible program", slot)
        meta = {"map": None, "size": None, "release": 0, "callback": None}
        for i, kind in enumerate(proto.args):
            self._helper_arg(st, f, i + 1, kind, meta, slot, proto)
        m = meta["map"]
        if m is not None:
            if hid == _TAIL_CALL:
                if m.type != 3:
                    raise Reject("expected prog array map for tail call", slot)
                key = f.regs[3]
                if key.is_scalar and key.is_const and key.value < m.max_entries:
                    self._mark_precise(st, 1 << 3)      # record_func_key: a known target
            restricted = P.HELPER_MAPS.get(hid)
            if (restricted is not None and m.type not in restricted) or \
                    (m.type in P.MAP_HELPERS and hid not in P.MAP_HELPERS[m.type]):
                raise Reject(f"cannot pass map_type {m.type} into func {name}#{hid}", slot)
        elif hid in P.HELPER_MAPS and "map" in proto.args:
            pass
        if meta["release"]:
            ref = meta["release"]
            if not any(r[0] == ref for r in st.refs):
                raise Reject("R1 must be referenced when passed to release function", slot)
            st.refs = [r for r in st.refs if r[0] != ref]
            for r in st.regs_where(lambda g: g.ref == ref):
                if self.priv:
                    r.mark_unknown()
                else:           # mark_reg_invalid: unreadable without CAP_PERFMON
                    r.__init__()
        for r in _CALLER_SAVED:
            f.regs[r] = Reg()
        if hid in P.CHANGES_PKT_DATA:
            _clear_pkt_pointers(st, self.priv)
        f.regs[0] = self._helper_ret(st, proto, meta, slot)
        if meta["callback"] is not None:
            return self._enter_callback(st, hid, meta, slot, work)
        return slot + 1

    def _helper_ret(self, st: State, proto, meta, slot: int) -> Reg:
        ret = proto.ret
        if ret == "int":
            return Reg.scalar()
        if ret == "void":
            return Reg()
        if ret == "map_value_or_null":
            m = meta["map"]
            if m is not None and m.type in (12, 13):
                return Reg.pointer(MAP_PTR, null=True, map=m, id=self.new_id())
            key = meta.get("const_key")
            if proto.name == "map_lookup_elem" and key is not None and key < m.max_entries:
                return Reg.pointer(MAP_VALUE, map=m)
            return Reg.pointer(MAP_VALUE, null=True, map=m, id=self.new_id())
        if ret in ("sock_or_null", "sock_common_or_null", "tcp_sock_or_null"):
            r = Reg.pointer(ret[:-8], null=True, id=self.new_id())
            if proto.acquire:
                ref = self.new_id()
                st.refs.append((ref, slot))
                r.ref = r.id = ref
            return r
        if ret == "ringbuf_mem_or_null":
            r = Reg.pointer(RINGBUF_MEM, null=True, mem_size=meta["size"] or 0, id=self.new_id())
            ref = self.new_id()
            st.refs.append((ref, slot))
            r.ref = r.id = ref
            return r
        return Reg.scalar()

    _MEM = (STACK, PKT, PKT_META, MAP_KEY, MAP_VALUE, MEM, RINGBUF_MEM, "buf", "trusted_ptr_")
    _MAP_KEY_VALUE = _MEM
    #: The register types each kind of helper argument accepts.
    _ARG_TYPES = {
        "map": (MAP_PTR,), "key": _MAP_KEY_VALUE, "value": _MAP_KEY_VALUE,
        "uvalue": _MAP_KEY_VALUE, "mem": _MEM, "umem": _MEM, "umem4": _MEM,
        "mem?": _MEM, "size": (SCALAR,), "size0": (SCALAR,), "asize0": (SCALAR,),
        "ctx": (CTX,), "func": (FUNC,), "stack?": (STACK,), "rbmem": (RINGBUF_MEM,),
        "lock": (MAP_VALUE,), "sock": _SOCKS, "sock?": _SOCKS, "sockc": _SOCKS,
    }

    def _helper_arg(self, st: State, f: Frame, regno: int, kind: str, meta, slot, proto) -> None:
        reg = self.read(f, regno, slot)
        if kind == "any":
            if not self.priv and reg.is_ptr:
                raise Reject(f"R{regno} leaks addr into helper function", slot, regs=(regno,))
            return
        expected = self._ARG_TYPES.get(kind)
        if expected is None:
            return
        nullable = kind in ("mem?", "stack?", "sock?")
        if nullable and reg.is_null_const():
            if kind == "mem?":
                meta["mem_reg"] = None
            return
        if reg.type not in expected or reg.null:
            names = ", ".join(expected)
            raise Reject(f"R{regno} type={reg.type_str} expected={names}", slot, regs=(regno,))
        if kind == "ctx":
            if reg.off:
                raise Reject(f"dereference of modified ctx ptr R{regno} off={reg.off} disallowed",
                             slot, regs=(regno,))
        elif kind == "map":
            meta["map"] = reg.map
        elif kind in ("key", "value", "uvalue"):
            m = meta["map"]
            if m is None:
                raise Reject(f"invalid map_ptr to access map->{'key' if kind == 'key' else 'value'}",
                             slot)
            n = m.key_size if kind == "key" else m.value_size
            self._helper_mem(st, regno, n, kind == "uvalue", slot)
            if kind == "key" and m.type in (2, 6):   # array, percpu_array
                meta["const_key"] = self._const_key(st, reg, n)
        elif kind in ("mem", "umem", "mem?"):
            meta["mem_reg"] = (regno, kind == "umem")
        elif kind == "umem4":
            self._helper_mem(st, regno, 4, True, slot)
        elif kind in ("size", "size0"):
            mem = meta.pop("mem_reg", None)
            self._size_arg(st, reg, regno, kind == "size0", mem, slot)
        elif kind == "asize0":
            if not reg.is_const:
                raise Reject(f"R{regno} is not a known constant'", slot, regs=(regno,))
            meta["size"] = reg.value
            self._mark_precise(st, 1 << regno)
        elif kind == "rbmem":
            if reg.off or not reg.is_const or reg.value:
                raise Reject(f"R{regno} must have zero offset when passed to release func", slot,
                             regs=(regno,))
            meta["release"] = reg.ref
        elif kind == "sock":
            meta["release"] = reg.ref
        elif kind == "func":
            meta["callback"] = reg.target
        elif kind == "stack?":
            meta["cb_ctx"] = reg.copy()

    def _const_key(self, st: State, reg: Reg, key_size: int):
        """The key's value when it is a constant on the stack (get_constant_map_key)."""
        if reg.type != STACK or not reg.is_const:
            return None
        off = reg.off + R.s64(reg.value)
        spi, idx = (-off - 1) // 8, (-off - 1) % 8
        s = self._stack_frame(st, reg).stack.get(spi)
        if s is None:
            return None
        zeros = 0
        for i in range(idx, -1, -1):
            if s.types[i] != "Z":
                break
            zeros += 1
        if zeros >= key_size:
            return 0
        if not s.is_spill or not s.spill.is_scalar:
            return None
        spilled = 0
        for i in range(idx, -1, -1):
            if s.types[i] != "S":
                break
            spilled += 1
        if spilled != key_size or not s.spill.is_const:
            return None
        if self.dynamic:       # the lookup relies on the constant: it must be precise
            bs = [0] * _BT_FRAMES
            bs[reg.frameno] = 1 << spi
            self._backtrack(st, [0] * _BT_FRAMES, bs, True)
        return s.spill.value

    def _size_arg(self, st, reg: Reg, regno: int, zero_ok: bool, mem, slot: int) -> None:
        if reg.smin < 0:
            raise Reject(f"R{regno} min value is negative, either use unsigned index or do a "
                         f"if (index >=0) check.", slot, regs=(regno,))
        if reg.umin == 0 and not zero_ok:
            raise Reject(f"R{regno} invalid zero-sized read: u64=[{reg.umin},{reg.umax}]", slot,
                         regs=(regno,))
        if reg.umax >= MAX_VAR_SIZ:
            raise Reject(f"R{regno} unbounded memory access, use 'var &= const' or "
                         f"'if (var < const)'", slot, regs=(regno,))
        if mem is not None:
            mregno, write = mem
            # unprivileged, a variable size may leave part of uninitialised memory unwritten:
            # the helper's memory must then be initialised (check_mem_size_reg drops raw mode)
            self._helper_mem(st, mregno, reg.umax, write, slot, zero_ok and reg.umin == 0,
                             raw=write and (self.priv or reg.is_const))
        self._mark_precise(st, 1 << regno)

    def _helper_mem(self, st: State, regno: int, size: int, write: bool, slot: int,
                    zero_ok: bool = False, raw: bool | None = None) -> None:
        """check_helper_mem_access: ``size`` bytes at the pointer in ``regno``; ``raw``:
        the helper may be given uninitialised stack (by default when it writes)."""
        reg = st.cur.regs[regno]
        t = reg.type
        if t in PKT_TYPES:
            self._packet_access(reg, regno, reg.off, size, slot, zero_ok)
        elif t == MAP_VALUE:
            if write and reg.map.readonly_prog:
                raise Reject(f"write into map forbidden, value_size={reg.map.value_size} "
                             f"off={reg.off} size={size}", slot, regs=(regno,))
            self._mem_region(reg, regno, reg.off, size, reg.map.value_size, "map value", slot,
                             zero_ok)
        elif t == MAP_KEY:
            self._mem_region(reg, regno, reg.off, size, reg.map.key_size, "map key", slot, zero_ok)
        elif t in (MEM, RINGBUF_MEM):
            self._mem_region(reg, regno, reg.off, size, reg.mem_size, "memory", slot, zero_ok)
        elif t == STACK:
            if size == 0 and zero_ok:
                return
            frame = self._stack_frame(st, reg)
            lo, hi = self._stack_bounds(reg, regno, reg.off, size,
                                        " write to" if write else " read from", slot)
            if not (write if raw is None else raw) and not self.priv:
                self._stack_initialized(frame, reg, regno, reg.off, lo, hi, size, slot,
                                        direct=False, bounded=not write)
            frame.depth = max(frame.depth, -lo)
            sp = frame.subprog
            self.stack_depth[sp] = max(self.stack_depth.get(sp, 0), -lo)
            if write:
                fixed = not reg.var[1]
                for b in range(lo, hi):
                    s = frame.slot((-b - 1) // 8)
                    if fixed and not self.priv and s.types[0] not in "MZ":
                        self.nospec_result.add(slot)    # (byte stores, as check_helper_call)
                    if s.spill is not None:
                        s.spill = Reg.scalar()     # a new register: the old one may be shared
                    if s.types[(-b - 1) % 8] != "S":
                        s.set((-b - 1) % 8, "M")

    def _enter_callback(self, st: State, hid: int, meta, slot: int, work) -> int:
        # the helper may also return without calling the callback
        self._push(st, slot + 1, work)
        target = meta["callback"]
        if len(st.frames) >= MAX_CALL_FRAMES:
            raise Reject(f"the call stack of {len(st.frames) + 1} frames is too deep", slot)
        callee = Frame(len(st.frames), self._subprog_of[target], slot)
        callee.callback = (0, 1)
        if self.dynamic:
            st.hist[1] = _CALLBACK      # (backtracking does not follow callbacks)
        cb_ctx = meta.get("cb_ctx") or Reg.scalar(0)
        if hid == HELPER_IDS["loop"]:
            callee.regs[1] = Reg.scalar()
            callee.regs[2] = cb_ctx
        else:   # for_each_map_elem: (map, key, value, ctx)
            m = meta["map"]
            callee.regs[1] = Reg.pointer(MAP_PTR, map=m)
            callee.regs[2] = Reg.pointer(MAP_KEY, map=m)
            callee.regs[3] = Reg.pointer(MAP_VALUE, map=m)
            callee.regs[4] = cb_ctx
        st.frames.append(callee)
        return target




class _Speculative(State):
    """A state on a path only a mispredicting CPU takes (explored without CAP_PERFMON)."""

    __slots__ = ()

    def copy(self) -> "State":
        s = State.copy(self)
        s.__class__ = _Speculative
        return s


def _spec_ok(old: State, cur: State) -> bool:
    """A speculative state covers only speculative ones (states_equal)."""
    return type(old) is not _Speculative or type(cur) is _Speculative


def _uninit_covered(old: State, cur: State) -> bool:
    """Unprivileged pruning (stacksafe without allow_uninit_stack): a stack byte the old
    state had written (misc) does not cover one the current state never wrote."""
    for of, cf in zip(old.frames, cur.frames):
        for spi, os_ in of.stack.items():
            cs = cf.stack.get(spi)
            for i in range(8):
                if os_.types[i] == "M" and (cs is None or cs.types[i] == "I"):
                    return False
    return True


# ---- branch prediction and refinement ------------------------------------------------------
def _branch_taken(a: Reg, b: Reg, op: str, is32: bool) -> int:
    """1 taken, 0 not taken, -1 unknown (``is_branch_taken``)."""
    if a.type != SCALAR or b.type != SCALAR:     # a pointer (both were read: initialised)
        if a.type != SCALAR and b.type != SCALAR:
            return -1
        ptr, other = (a, b) if a.is_ptr else (b, a)
        if not other.is_const:
            return -1
        val = other.value & (R.M32 if is32 else R.M64)
        if val != 0 or not _not_null(ptr):
            return -1
        return {"jeq": 0, "jne": 1}.get(op, -1)
    if is32:
        ta, tb = T.subreg(a.var), T.subreg(b.var)
        amin, amax, bmin, bmax = a.u32min, a.u32max, b.u32min, b.u32max
        asmin, asmax, bsmin, bsmax = a.s32min, a.s32max, b.s32min, b.s32max
    else:
        ta, tb = a.var, b.var
        amin, amax, bmin, bmax = a.umin, a.umax, b.umin, b.umax
        asmin, asmax, bsmin, bsmax = a.smin, a.smax, b.smin, b.smax
    if op in ("jeq", "jne"):
        res = -1
        if ta[1] == 0 and tb[1] == 0:
            res = int(ta[0] == tb[0])
        elif amin > bmax or amax < bmin or asmin > bsmax or asmax < bsmin:
            res = 0
        elif (ta[0] ^ tb[0]) & ~(ta[1] | tb[1]):
            res = 0
        elif not is32 and (a.u32min > b.u32max or a.u32max < b.u32min
                           or a.s32min > b.s32max or a.s32max < b.s32min):
            res = 0
        if res == -1 or op == "jeq":
            return res
        return 1 - res
    if op in ("jset", "jset_not"):
        if tb[1] != 0:
            ta, tb = tb, ta
        if tb[1] != 0:
            return -1
        res = -1
        if ta[0] & tb[0]:
            res = 1
        elif not ((ta[0] | ta[1]) & tb[0]):
            res = 0
        if res == -1 or op == "jset":
            return res
        return 1 - res
    if op == "jgt":
        yes, no = amin > bmax, amax <= bmin
    elif op == "jge":
        yes, no = amin >= bmax, amax < bmin
    elif op == "jlt":
        yes, no = amax < bmin, amin >= bmax
    elif op == "jle":
        yes, no = amax <= bmin, amin > bmax
    elif op == "jsgt":
        yes, no = asmin > bsmax, asmax <= bsmin
    elif op == "jsge":
        yes, no = asmin >= bsmax, asmax < bsmin
    elif op == "jslt":
        yes, no = asmax < bsmin, asmin >= bsmax
    elif op == "jsle":
        yes, no = asmax <= bsmin, asmin > bsmax
    else:
        raise KeyError(op)
    return 1 if yes else 0 if no else -1


def _not_null(r: Reg) -> bool:
    return not r.null and r.type in (MAP_VALUE, MAP_KEY, MEM, RINGBUF_MEM, "sock", "tcp_sock",
                                      "sock_common")


#: (op, is32, bounds, bounds) -> (_branch_taken, then when it is -1 the _refined of op and
#: of its reverse)
_REFINED: dict = {}


def forget_memos() -> None:
    """Empty the memo tables (:func:`pybpf.verifier.regs.reset_memos`, the branch
    narrowings): at the start of a verification, and at its end (see ``verify_insns``)."""
    R.reset_memos()
    _REFINED.clear()


def _refined(a: tuple, b: tuple, op: str, is32: bool) -> tuple | None:
    """The bounds (as :func:`regs.bounds`) of scalars ``a`` and ``b`` narrowed by ``a op b``
    (:func:`_refine_cond`, then synced), or None when they contradict (the branch cannot be
    taken)."""
    x, y = Reg(SCALAR), Reg(SCALAR)
    R.set_bounds(x, a)
    R.set_bounds(y, b)
    _refine_cond(x, y, op, is32)
    if not R.sync_valid(x) or not R.sync_valid(y):
        return None
    return R.bounds(x), R.bounds(y)


def _refine_cond(a: Reg, b: Reg, op: str, is32: bool) -> None:
    """regs_refine_cond_op: narrow ``a`` and ``b`` assuming ``a op b`` holds."""
    if op in ("jgt", "jge", "jsgt", "jsge"):
        a, b, op = b, a, _FLIP[op]
    if op == "jeq":
        if is32:
            lo, hi = max(a.u32min, b.u32min), min(a.u32max, b.u32max)
            a.u32min, a.u32max, b.u32min, b.u32max = lo, hi, lo, hi
            lo, hi = max(a.s32min, b.s32min), min(a.s32max, b.s32max)
            a.s32min, a.s32max, b.s32min, b.s32max = lo, hi, lo, hi
            t = T.intersect(T.subreg(a.var), T.subreg(b.var))
            a.var, b.var = T.with_subreg(a.var, t), T.with_subreg(b.var, t)
        else:
            lo, hi = max(a.umin, b.umin), min(a.umax, b.umax)
            a.umin, a.umax, b.umin, b.umax = lo, hi, lo, hi
            lo, hi = max(a.smin, b.smin), min(a.smax, b.smax)
            a.smin, a.smax, b.smin, b.smax = lo, hi, lo, hi
            t = T.intersect(a.var, b.var)
            a.var = b.var = t
    elif op == "jne":
        if not _const(b, is32):
            a, b = b, a
        if not _const(b, is32):
            return
        v = b.value
        if is32:
            v32, sv = v & R.M32, R.s32(v)
            if a.u32min == v32:
                a.u32min += 1
            if a.u32max == v32:
                a.u32max -= 1
            if a.s32min == sv:
                a.s32min += 1
            if a.s32max == sv:
                a.s32max -= 1
        else:
            sv = R.s64(v)
            if a.umin == v:
                a.umin += 1
            if a.umax == v:
                a.umax -= 1
            if a.smin == sv:
                a.smin += 1
            if a.smax == sv:
                a.smax -= 1
    elif op in ("jset", "jset_not"):
        if not _const(b, is32):
            a, b = b, a
        if not _const(b, is32):
            return
        v = b.value & (R.M32 if is32 else R.M64)
        if op == "jset":
            if v & (v - 1) or not v:
                return
            if is32:
                a.var = T.with_subreg(a.var, T.bor(T.subreg(a.var), T.const(v)))
            else:
                a.var = T.bor(a.var, T.const(v))
        else:
            var = a.var
            a.set_unbounded()
            if is32:
                a.var = T.with_subreg(var, T.band(T.subreg(var), T.const(~v & R.M32)))
            else:
                a.var = T.band(var, T.const(~v & R.M64))
    elif op in ("jle", "jlt"):
        d = 1 if op == "jlt" else 0
        if is32:
            a.u32max = min(a.u32max, (b.u32max - d) & R.M32)
            b.u32min = max((a.u32min + d) & R.M32, b.u32min)
        else:
            a.umax = min(a.umax, (b.umax - d) & R.M64)
            b.umin = max((a.umin + d) & R.M64, b.umin)
    elif op in ("jsle", "jslt"):
        d = 1 if op == "jslt" else 0
        if is32:
            a.s32max = min(a.s32max, R.s32(b.s32max - d))
            b.s32min = max(R.s32(a.s32min + d), b.s32min)
        else:
            a.smax = min(a.smax, R.s64(b.smax - d))
            b.smin = max(R.s64(a.smin + d), b.smin)


def _const(r: Reg, is32: bool) -> bool:
    return (r.var[1] & R.M32) == 0 if is32 else r.var[1] == 0


def _clear_pkt_pointers(st: State, priv: bool) -> None:
    """After a helper that may move packet data, packet pointers become unknown scalars
    (mark_reg_invalid; unreadable registers without CAP_PERFMON)."""
    for r in st.regs_where(lambda g: g.type in (PKT, PKT_META, PKT_END)):
        if priv:
            r.mark_unknown()
        else:
            r.__init__()


def _copy_into(dst: Reg, src: Reg) -> None:
    for k in Reg.__slots__:
        setattr(dst, k, getattr(src, k))


def _good_pkt_pointers(st: State, pkt: Reg, ptype: str, right_open: bool) -> None:
    if pkt.off < 0 or (pkt.off == 0 and right_open):
        return
    if pkt.umax > MAX_PACKET_OFF or pkt.umax + pkt.off > MAX_PACKET_OFF:
        return
    new_range = pkt.off + (1 if right_open else 0)
    rid = pkt.id
    for r in st.regs_with(ptype, rid):
        r.range = max(r.range, new_range)


def _scalar_desc(r: Reg) -> str:
    """verbose_invalid_scalar's bounds: the signed ones that are known."""
    parts = ([f"smin={r.smin}"] if r.smin > R.S64_MIN else []) + \
        ([f"smax={r.smax}"] if r.smax < R.S64_MAX else [])
    return " ".join(parts) or "unknown scalar value"


# ---- liveness -----------------------------------------------------------------------------
def _successors(prog: Program) -> list:
    """Successor slots of each slot (None for the second slot of lddw); a bpf-to-bpf call
    continues at the next instruction (the callee's effect is the call's use and kill)."""
    succ = list(prog.succ)      # (cfg.build checked that every successor is a slot)
    for s in prog.calls:
        if prog.rows[s].name == "call_local" and succ[s] is not None:
            succ[s] = [s + 1]
    return succ


def _subprog_index(prog: Program) -> list[int]:
    """The index of the subprogram of each slot (:meth:`Program.subprog_of`, for all)."""
    out: list[int] = []
    for idx in range(len(prog.subprogs)):
        out += [idx] * (prog.subprog_end(idx) - len(out))
    return out


def _predecessors(succ: list) -> list[list[int]]:
    preds: list[list[int]] = [[] for _ in succ]
    for s, nx in enumerate(succ):
        for t in nx or ():
            preds[t].append(s)
    return preds


def _backward(succ: list, preds: list, transfer: list) -> list[int]:
    """The least fixed point of a backward register-set analysis.

    ``transfer[s]`` is ``(keep, gen, cond, cgen)``: at slot ``s`` the set is
    ``(out & keep) | gen``, plus ``cgen`` when ``out`` meets ``cond`` (``out`` is the
    union over the successors; ``keep`` is ``~kill``, the bits that pass through).
    Solved with a worklist, in reverse slot order first.
    """
    n = len(succ)
    val = [0] * n
    work = [s for s in range(n) if succ[s] is not None]
    queued = [s is not None for s in succ]
    pop, push = work.pop, work.append
    while work:
        s = pop()
        queued[s] = False
        nx = succ[s]
        if len(nx) == 1:        # straight-line code: most slots
            out = val[nx[0]]
        else:
            out = 0
            for t in nx:
                out |= val[t]
        keep, gen, cond, cgen = transfer[s]
        v = (out & keep) | gen
        if cond and out & cond:
            v |= cgen
        if v != val[s]:
            val[s] = v
            for p in preds[s]:
                if not queued[p]:
                    queued[p] = True
                    push(p)
    return val


#: Where a register may point, for :func:`_stack_pointers`: into the stack of the frame
#: running the instruction (with the offset from r10 when it is known on every path), or into
#: a caller's stack.
OWN, OUTER = 1, 2
_R10 = (OWN, 0)


def _join_ptr(a, b):
    """The join of two registers' (flags, offset) (None: not a stack pointer)."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if not a[0] & OWN:
        return a[0] | b[0], b[1]
    if not b[0] & OWN:
        return a[0] | b[0], a[1]
    return a[0] | b[0], a[1] if a[1] == b[1] else None


def _stack_pointers(prog: Program, succ: list, main_alone: bool) -> tuple[list, bool]:
    """Per slot, before it (None where never reached): which registers may point into a
    stack. A forward may-analysis over each subprogram: r10 and what is derived from it
    point into the running frame's stack, a subprogram's r1-r5 on entry into its callers'
    (main's too if it may be called: not ``main_alone``), a bpf-to-bpf call's or kfunc's
    r0 into either. It follows which slots of the running frame may hold a spilled stack
    pointer of either kind (clang spills them under register pressure): a fill gives a
    stack pointer only from such a slot. A stack pointer stored into other memory (a map
    value, the packet) comes back as a scalar. Two global assumptions, solved again until
    they hold: a load from a caller's stack may give a stack pointer if some frame spills
    one (``spilled``); one stored through a pointer into a caller's stack (``escaped``,
    which the kernel refuses) may come back from any stack.

    Returns (per slot a tuple of 13 entries: 11 registers, each None or (OWN | OUTER
    flags, offset from r10 where OWN, None if unknown), and the masks of the slots (bit
    ``spi``) that may hold a pointer into this frame's stack, into a caller's; whether a
    stack pointer may reach a callee through memory).
    """
    n = len(prog.insns)
    if main_alone and len(prog.subprogs) == 1 and _only_r10(prog):
        return _reached_with(prog, succ, (None,) * 10 + (_R10, 0, 0)), False
    ptr = (OWN | OUTER, None)
    none5 = (None,) * 5
    spilled = escaped = False       # the global assumptions, see above
    while True:
        state: list = [None] * n
        for idx, start in enumerate(prog.subprogs):
            args = None if idx == 0 and main_alone else (OUTER, None)
            state[start] = (None, args, args, args, args, args) + (None,) * 4 + (_R10, 0, 0)
        work = list(prog.subprogs)      # a heap: slots in order, so forward code is done once
        queued = set(work)
        now_spilled = now_escaped = False
        while work:
            slot = heapq.heappop(work)
            queued.discard(slot)
            regs = out = state[slot]
            insn, row = prog.insns[slot], prog.rows[slot]
            if row is None or succ[slot] is None:
                continue
            kind = row.kind
            d = insn.dst
            if kind == "alu":
                a = regs[insn.src] if row.source_is_reg else None
                old = regs[d]
                if a is None and old is None:
                    pass        # the common case: no stack pointer involved
                elif _is_move(row.fn):
                    new = a if a is None or (row.width == 64 and row.fn == "mov") \
                        else (a[0], None)
                    out = regs[:d] + (new,) + regs[d + 1:]
                else:
                    if old is not None:
                        off = old[1]
                        if off is not None and row.width == 64 and not row.source_is_reg \
                                and row.fn in ("add", "sub"):
                            off = off + s32i(insn.imm) if row.fn == "add" else off - s32i(insn.imm)
                        else:
                            off = None
                        old = (old[0], off)
                    if a is not None:
                        old = (a[0] | (old[0] if old is not None else 0), None)
                    out = regs[:d] + (old,) + regs[d + 1:]
            elif kind == "lddw":
                if regs[d] is not None:
                    out = regs[:d] + (None,) + regs[d + 1:]
            elif kind == "ldx":
                new = _filled(regs, regs[insn.src], insn.off, row.size, spilled, escaped)
                if new != regs[d]:
                    out = regs[:d] + (new,) + regs[d + 1:]
            elif kind in ("st", "stx", "atomic"):
                base = regs[d]
                value = regs[insn.src] if kind != "st" else None
                where = _frame_bytes(base, insn.off, row.size) >> SLOT_BIT
                own, outer = regs[11], regs[12]
                if kind != "atomic" and d == 10 and row.size == 8 and insn.off % 8 == 0:
                    own &= ~where       # a whole slot overwritten
                    outer &= ~where
                if value is not None:
                    if value[0] & OWN:
                        own |= where
                    if value[0] & OUTER:
                        outer |= where
                    if base is not None and base[0] & OUTER:
                        now_escaped = True
                    if where:
                        now_spilled = True
                if own != regs[11] or outer != regs[12]:
                    out = regs[:11] + (own, outer)
                if kind == "atomic" and (row.sym == "cmpxchg" or row.fetch):
                    r = 0 if row.sym == "cmpxchg" else insn.src
                    out = out[:r] + (_filled(regs, base, insn.off, row.size, spilled, escaped),) \
                        + out[r + 1:]
            elif kind in ("call", "callx", "ldpkt"):
                # a helper never returns a stack pointer; a subprogram or kfunc might
                r0 = None if kind == "ldpkt" or row.name == "call" else ptr
                if regs[:6] != (r0,) + none5:
                    out = (r0,) + none5 + regs[6:]
            if out[10] is not _R10:     # (a write to r10 is refused when reached)
                out = out[:10] + (_R10,) + out[11:]
            for t in succ[slot]:
                cur = state[t]
                if cur is None:
                    new = out
                elif cur is out or cur == out:
                    continue
                else:
                    new = tuple(map(_join_ptr, cur[:11], out[:11])) + (cur[11] | out[11],
                                                                       cur[12] | out[12])
                    if new == cur:
                        continue
                state[t] = new
                if t not in queued:
                    queued.add(t)
                    heapq.heappush(work, t)
        if now_spilled == spilled and now_escaped == escaped:
            return state, spilled or escaped
        spilled, escaped = spilled or now_spilled, escaped or now_escaped


def _only_r10(prog: Program) -> bool:
    """No register but r10 can point into a stack: r10 is only ever the base of loads and
    stores (never copied, added to or stored) and nothing returns a stack pointer (no
    bpf-to-bpf call, callx or kfunc). :func:`_stack_pointers` then knows its answer."""
    for insn, row in prog.uniq:     # (each distinct instruction once)
        if row.spreads_r10(insn.dst, insn.src) or (row.kind in ("call", "callx")
                                                   and row.name != "call"):
            return False
    return True


def _reached_with(prog: Program, succ: list, value) -> list:
    """``value`` at every slot reached from the program's start (None elsewhere), as
    :func:`_stack_pointers`' walk reaches them."""
    if len(prog.subprogs) == 1:     # cfg.build checked that every instruction is reached
        return [None if insn is None else value for insn in prog.insns]
    state: list = [None] * len(prog.insns)
    start = prog.subprogs[0]
    state[start] = value
    work = [start]
    while work:
        slot = work.pop()
        if prog.rows[slot] is None or succ[slot] is None:
            continue
        for t in succ[slot]:
            if state[t] is None:
                state[t] = value
                work.append(t)
    return state


def _filled(regs: tuple, base, off: int, size: int, spilled: bool, escaped: bool):
    """What a load of ``size`` bytes at ``off`` from a register pointing as ``base`` says
    may give, in :func:`_stack_pointers`."""
    if base is None:
        return None     # not from a stack: a stack pointer stored elsewhere is a scalar now
    if escaped:         # a callee may have stored a stack pointer in any frame's stack
        return OWN | OUTER, None
    flags = OUTER if base[0] & OUTER and spilled else 0
    if base[0] & OWN:
        where = _frame_bytes(base, off, size) >> SLOT_BIT
        if where & regs[11]:
            flags |= OWN
        if where & regs[12]:
            flags |= OUTER
    return (flags, None) if flags else None


#: Bits of the relevance masks: r0-r10 are bits 0-10; stack slot ``spi`` of the frame
#: (bytes ``-8 * spi - 8 .. -8 * spi - 1`` from r10) is bit ``SLOT_BIT + spi`` when a
#: scalar spilled there may matter, bit ``LIVE_BIT + spi`` when the slot may be read at all.
SLOT_BIT = 11
NSLOTS = MAX_STACK // 8
LIVE_BIT = SLOT_BIT + NSLOTS
ALL_SLOTS = ((1 << NSLOTS) - 1) << SLOT_BIT
ALL_LIVE = ALL_SLOTS << NSLOTS


def _slot_bits(off: int, size: int) -> int:
    """The relevance bits of the stack slots that bytes ``[off, off + size)`` from r10 touch."""
    hi = min((-off - 1) // 8, NSLOTS - 1)       # the slot of the lowest byte
    lo = max((-off - size) // 8, 0)             # of the highest
    return ((1 << (hi - lo + 1)) - 1) << (SLOT_BIT + lo) if size > 0 and lo <= hi else 0


def _relevance(prog: Program, succ: list, preds: list, ret_checked: bool = True,
               prog_type: str | None = None) -> list[int]:
    """Registers and stack slots whose exact value may matter for safety on some path from
    each slot, and stack slots that may be read at all (the kernel's stack liveness: a
    slot overwritten before any read is not compared); bit masks laid out as
    :data:`SLOT_BIT` says.

    A static stand-in for the kernel's precision marks (used where backtracking is not,
    see the module docstring): a scalar that only feeds
    other scalars which never reach a jump, an address, a helper argument, a
    store to memory that may be a stack or ``r0`` at exit is not compared when
    pruning (the kernel would not have marked it precise either). The slots are
    those of the frame running the instruction (r10's): a spilled scalar matters only
    if it may be read into a register that matters (see :func:`_relevant_transfer`).
    """
    return [v & _REL_ALL for v in _analyses(prog, succ, preds, ret_checked, prog_type)]


#: :func:`_analyses` solves liveness (the registers some path from a slot reads before
#: writing them, :func:`_use_def`) and :func:`_relevance` at once, liveness in the bits
#: from LIVENESS_BIT up, relevance below: two independent backward analyses of one shape
#: are one analysis on the pair (the least fixed point of each is unchanged).
LIVENESS_BIT = LIVE_BIT + NSLOTS
_REL_ALL = (1 << LIVENESS_BIT) - 1


def _analyses(prog: Program, succ: list, preds: list, ret_checked: bool = True,
              prog_type: str | None = None) -> list[int]:
    """Per slot, :func:`_relevance`'s bits, and the live registers shifted to LIVENESS_BIT."""
    main_end = prog.subprog_end(0)
    # subprogram 0 always runs in frame 0 (no caller whose stack it could write) unless
    # something calls it or takes its address
    insns, uniq, uid = prog.insns, prog.uniq, prog.uid
    main_alone = not any(s + s32i(insns[s].imm) + 1 < main_end for s in prog.calls)
    ptrs, spilled = _stack_pointers(prog, succ, main_alone)
    live = []           # by distinct instruction: liveness's (kill, gen), shifted
    for insn, row in uniq:
        use, kill = _use_def(insn, row)
        live.append((kill << LIVENESS_BIT, use << LIVENESS_BIT))
    exits = [row.kind == "exit" for _, row in uniq]
    tables: dict = {}   # id(where registers point) -> transfers by distinct instruction
    table, last = None, tables      # (last: no pointer tuple yet)
    transfer = []
    for s, k in enumerate(uid):
        if k < 0:
            transfer.append(None)
            continue
        p = ptrs[s]
        if p is not last:       # states share their tuples: consecutive slots mostly do
            last = p
            table = tables.get(id(p))
            if table is None:
                table = tables[id(p)] = [None] * len(uniq)
        t = table[k]
        if t is None or exits[k]:
            insn, row = uniq[k]
            if p is None:           # (unreachable: never analysed)
                rk, rg, rc, rcg = 0, 0, 0, 0
            elif exits[k] and not ret_checked and s < main_end:
                rk, rg, rc, rcg = _REL_ALL, 0, 0, 0
            else:
                rk, rg, rc, rcg = _relevant_transfer(insn, row, p, spilled, prog_type)
            lk, lg = live[k]
            t = (~((rk & _REL_ALL) | lk), rg | lg, rc, rcg)     # (keep, for _backward)
            if not exits[k]:
                table[k] = t
        transfer.append(t)
    return _backward(succ, preds, transfer)


_LOOKUP_HELPER = HELPER_IDS["map_lookup_elem"]
_TAIL_CALL = HELPER_IDS["tail_call"]


def _frame_bytes(p, off: int, size: int) -> int:
    """The slots of the running frame that ``size`` bytes at ``off`` from a register
    pointing as ``p`` says (see :func:`_stack_pointers`) may touch."""
    if p is None or not p[0] & OWN:
        return 0
    if p[1] is None:
        return ALL_SLOTS
    return _slot_bits(p[1] + off, size)


def _relevant_transfer(insn, row, ptrs: tuple, spilled: bool,
                       prog_type: str | None = None) -> tuple[int, int, int, int]:
    """(kill, gen, cond, cgen) of one instruction for :func:`_relevance` (see :func:`_backward`);
    ``ptrs``: where each register may point before it, ``spilled``: whether the program
    stores stack pointers anywhere (:func:`_stack_pointers`).

    A helper's arguments matter as its prototype for ``prog_type`` has them (all of r1-r5
    for a helper pybpf does not model), except those of any value (``any``: the kernel's
    ARG_ANYTHING, never checked but for pointer leaks, a matter of type).

    Stack slots: a load makes the slots of the running frame it may read matter if its
    destination does (a load through a pointer into a caller's stack reads slots that are
    always compared, see ``_frame_live``). An aligned 8-byte store through r10 replaces its
    slot (kill); the value a store writes matters if a slot of the running frame it may
    write does, and always when it may write into a caller's stack. bpf-to-bpf calls,
    kfuncs and callx may read any slot if they can reach the stack (a stack pointer is an
    argument, or the program stores stack pointers); of the helpers only map_lookup_elem
    uses a stack value (its constant key, get_constant_map_key): others read stack bytes
    without needing their values (check_helper_mem_access), or write unknown values.

    Slot liveness (bits ``LIVE_BIT +``) as the reads above, unconditionally; a helper reads
    the stack from each pointer argument upwards (its size is not known statically).
    """
    d, sr = 1 << insn.dst, 1 << insn.src
    kind = row.kind
    if kind == "alu":
        src = sr if row.source_is_reg else 0
        if _is_move(row.fn):
            return d, 0, d, src       # the source matters if the destination does
        return 0, 0, d, src
    if kind == "lddw":
        return d, 0, 0, 0
    if kind == "ldx":
        # the address matters; what was read matters if the destination does
        read = _frame_bytes(ptrs[insn.src], insn.off, row.size)
        return d, sr | read << NSLOTS, d, read
    if kind in ("st", "stx"):
        value = sr if kind == "stx" else 0
        p = ptrs[insn.dst]
        kill = _slot_bits(insn.off, 8) if insn.dst == 10 and row.size == 8 and insn.off % 8 == 0 \
            else 0
        kill |= kill << NSLOTS
        if p is not None and p[0] & OUTER:
            return kill, d | value, 0, 0
        return kill, d, _frame_bytes(p, insn.off, row.size), value
    if kind == "atomic":
        read = _frame_bytes(ptrs[insn.dst], insn.off, row.size)
        return 0, d | sr | (1 if row.sym == "cmpxchg" else 0) | read | read << NSLOTS, 0, 0
    if kind == "ldpkt":
        return 0x3F, (1 << 6) | (sr if row.name.startswith("ldind") else 0), 0, 0
    if kind == "jmp":
        return 0, d | (sr if row.source_is_reg else 0), 0, 0
    if kind == "call" and row.name == "call":
        proto = P.proto(insn.imm, prog_type)
        args = 0x3E if proto is None else sum(
            1 << r for r, k in enumerate(proto.args, 1) if k != "any")
        read = 0        # helpers read memory from their pointer arguments up
        for p in ptrs[1:6]:
            if p is not None and p[0] & OWN:
                read |= ALL_LIVE if p[1] is None or p[1] >= 0 else \
                    _slot_bits(p[1], -p[1]) << NSLOTS
        if insn.imm == _LOOKUP_HELPER:      # the key's first slot (_const_key)
            return 0x3F, args | read | _frame_bytes(ptrs[2], 0, 1), 0, 0
        return 0x3F, args | read, 0, 0
    if kind in ("call", "callx"):
        reach = ALL_SLOTS | ALL_LIVE \
            if spilled or any(p is not None and p[0] & OWN for p in ptrs[1:6]) else 0
        return 0x3F, 0x3E | (d if kind == "callx" else 0) | reach, 0, 0
    if kind == "exit":
        return -1, 1, 0, 0
    return 0, 0, 0, 0      # end: unchanged


_PARAMS: dict[int, int | None] = {}


def _helper_params(hid: int) -> int | None:
    """How many arguments helper ``hid`` takes (from its C prototype), None if unknown."""
    n = _PARAMS.get(hid, -1)
    if n == -1:
        info = KERNEL_HELPERS.get(hid)
        if info is None or "(" not in info.prototype:
            n = None
        else:
            args = info.prototype[info.prototype.index("(") + 1:info.prototype.rindex(")")]
            n = 0 if args.strip() in ("", "void") else args.count(",") + 1
        _PARAMS[hid] = n
    return n


def _use_def(insn, row) -> tuple[int, int]:
    """(registers read, registers written) by one instruction, as bit masks."""
    d, sr = 1 << insn.dst, 1 << insn.src
    kind = row.kind
    if kind == "alu":
        if _is_move(row.fn):
            return (sr if row.source_is_reg else 0), d
        return d | (sr if row.source_is_reg else 0), d
    if kind == "end":
        return d, d
    if kind == "lddw":
        return 0, d
    if kind == "ldx":
        return sr, d
    if kind == "st":
        return d, 0
    if kind == "stx":
        return d | sr, 0
    if kind == "atomic":
        u = d | sr | (1 if row.sym == "cmpxchg" else 0)
        k = 1 if row.sym == "cmpxchg" else (sr if row.fetch else 0)
        return u, k
    if kind == "ldpkt":
        return (1 << 6) | (sr if row.name.startswith("ldind") else 0), 0x3F
    if kind == "jmp":
        return d | (sr if row.source_is_reg else 0), 0
    if kind == "call":
        # a helper reads the arguments its prototype has (the kernel's live registers
        # count them the same way); a kfunc or bpf-to-bpf call may read r1-r5
        n = _helper_params(insn.imm) if insn.src == 0 else None
        return (0x3E if n is None else (1 << (n + 1)) - 2), 0x3F
    if kind == "callx":
        return d, 0x3F
    if kind == "exit":
        return 1, 0
    return 0, 0
