"""What one run of a program gives: the same object from ``Program.run``, ``Program.test_run``,
``pybpf run`` and the pytest fixture.

Everything except ``duration_ns`` is deterministic: the same program, maps,
input and environment give equal results, bit for bit. Wall-clock time is
kept apart (excluded from equality and from :meth:`RunResult.to_json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Redirect:
    """Where a program sent its packet (``bpf_redirect*``, ``bpf_clone_redirect``).

    ``kind``: ``"ifindex"`` (bpf_redirect), ``"map"`` (bpf_redirect_map), ``"peer"``
    (bpf_redirect_peer), ``"neigh"`` (bpf_redirect_neigh), ``"clone"``
    (bpf_clone_redirect: a copy left, the original continued).

    For ``"map"``: ``key`` is the slot the program named: for a devmap or devmap_hash
    ``ifindex`` is the device its value holds; for a cpumap the key is the target CPU, for
    an xskmap the receive queue, and ``ifindex`` is None; with ``BPF_F_BROADCAST`` in
    ``flags`` the packet goes to every device of the map (``ifindex`` None).
    """

    kind: str
    ifindex: int | None = None
    flags: int = 0
    ingress: bool = False        # BPF_F_INGRESS: delivered up the target's stack
    map: str | None = None       # redirect_map: the map's name
    key: int | None = None       # redirect_map: the slot

    def to_json(self) -> dict:
        out = {"kind": self.kind, "ifindex": self.ifindex, "flags": self.flags,
               "ingress": self.ingress}
        if self.map is not None:
            out.update(map=self.map, key=self.key)
        return out


@dataclass
class RunResult:
    """The outcome of one run, as ``BPF_PROG_TEST_RUN`` reports it, plus what pybpf adds.

    ``retval``: the program's return value (32 bits, as the kernel reports it);
    ``verdict``: its name for the program type (``XDP_PASS``, ``TC_ACT_SHOT``, ...);
    ``data``: ``data_out`` (for XDP from ``data_meta``); ``ctx``: ``ctx_out`` decoded by
    field name (None where the kernel gives no ctx_out); ``ctx_raw``: the same bytes;
    ``redirect``: where the packet went, if the program redirected it;
    ``executed``: instructions executed; ``duration_ns``: wall-clock, mean per repetition.
    """

    retval: int
    verdict: str
    data: bytes
    executed: int = 0
    ctx: dict | None = None
    ctx_raw: bytes | None = None
    redirect: Redirect | None = None
    duration_ns: int = field(default=0, compare=False)

    def to_json(self) -> dict:
        """The deterministic part, JSON-ready (``data`` as hex)."""
        out = {"retval": self.retval, "verdict": self.verdict, "data": self.data.hex()}
        if self.redirect is not None:
            out["redirect"] = self.redirect.to_json()
        return out
