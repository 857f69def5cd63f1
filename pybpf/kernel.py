"""The kernel oracle: load and run BPF programs in the running Linux kernel.

pybpf's reference is the Linux kernel. This module lets you ask the kernel the
same question pybpf answers, so the two can be compared packet by packet:

* :class:`KernelObject` loads a clang-compiled object through **libbpf** (not
  through pybpf's own ELF loader, so a loader bug cannot hide on both sides);
* :func:`load_raw` loads raw instruction bytes with the bare ``bpf()`` syscall
  and returns the verifier's log when the kernel refuses them
  (:class:`KernelRefused`);
* :func:`test_run` runs a loaded program with ``BPF_PROG_TEST_RUN`` and returns
  ``(retval, data_out, ctx_out, duration_ns)``;
* :func:`dump_map`, :func:`map_lookup`, :func:`map_update`, ... read and write
  maps for comparisons.

Everything goes through cffi in ABI mode (``dlopen``), so no C compiler is
needed. Nothing here works without privileges: check :func:`available` first
and use :func:`unavailable_reason` as the skip reason::

    from pybpf import kernel
    if kernel.available():
        with kernel.KernelObject("prog.o") as obj:
            retval, data_out, _, _ = obj.run("xdp_prog", packet)

Test runs pin the calling thread to CPU 0 (restored afterwards) so that
per-CPU map contents are comparable from run to run.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import errno as _errno
import os
import platform
import sys
import threading
from collections import namedtuple

from .errors import PyBPFError

__all__ = [
    "KernelError", "KernelUnavailable", "KernelRefused", "KernelRunError",
    "available", "unavailable_reason", "kernel_release", "libbpf_version",
    "KernelObject", "load_raw", "load_raw_logged", "RawLoad", "test_run", "TestRun",
    "pinned_cpu", "map_info", "MapInfo", "map_lookup", "map_update", "map_delete",
    "map_next_key", "dump_map", "PROG_TYPES", "prog_type_number",
]

# --------------------------------------------------------------------------
# constants (uapi linux/bpf.h)
# --------------------------------------------------------------------------

BPF_MAP_LOOKUP_ELEM = 1
BPF_MAP_UPDATE_ELEM = 2
BPF_MAP_DELETE_ELEM = 3
BPF_MAP_GET_NEXT_KEY = 4
BPF_PROG_LOAD = 5
BPF_PROG_TEST_RUN = 10
BPF_OBJ_GET_INFO_BY_FD = 15

BPF_ANY = 0
BPF_NOEXIST = 1
BPF_EXIST = 2

#: ``enum bpf_prog_type`` by name (lower case, without the ``BPF_PROG_TYPE_`` prefix).
PROG_TYPES = {
    "socket_filter": 1, "kprobe": 2, "sched_cls": 3, "sched_act": 4, "tracepoint": 5,
    "xdp": 6, "perf_event": 7, "cgroup_skb": 8, "cgroup_sock": 9, "lwt_in": 10,
    "lwt_out": 11, "lwt_xmit": 12, "sock_ops": 13, "sk_skb": 14, "cgroup_device": 15,
    "sk_msg": 16, "raw_tracepoint": 17, "cgroup_sock_addr": 18, "lwt_seg6local": 19,
    "lirc_mode2": 20, "sk_reuseport": 21, "flow_dissector": 22, "cgroup_sysctl": 23,
    "raw_tracepoint_writable": 24, "cgroup_sockopt": 25, "tracing": 26, "struct_ops": 27,
    "ext": 28, "lsm": 29, "sk_lookup": 30, "syscall": 31, "netfilter": 32,
}
_PROG_TYPE_ALIASES = {"tc": "sched_cls", "classifier": "sched_cls", "action": "sched_act",
                      "socket": "socket_filter"}

#: ``enum bpf_map_type`` values whose lookups return one value per possible CPU.
PERCPU_MAP_TYPES = frozenset({5, 6, 10, 21})  # PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE

#: ``__NR_bpf`` per architecture.
_NR_BPF = {
    "x86_64": 321, "amd64": 321, "aarch64": 280, "arm64": 280, "riscv64": 280,
    "loongarch64": 280, "ppc64le": 361, "ppc64": 361, "s390x": 351,
    "i386": 357, "i686": 357, "armv7l": 386, "armv6l": 386,
}

# libbpf_print_level
LIBBPF_WARN, LIBBPF_INFO, LIBBPF_DEBUG = 0, 1, 2

_LOG_BEGIN = "-- BEGIN PROG LOAD LOG --"
_LOG_END = "-- END PROG LOAD LOG --"

#: Verifier log buffer sizes tried in turn (the kernel answers ENOSPC when the log overflows).
_LOG_SIZES = (1 << 20, 16 << 20)

#: Default XDP/skb headroom + tailroom slack for ``data_out`` beyond the input size.
_DATA_OUT_SLACK = 4096


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------


def _errno_name(code: int) -> str:
    return _errno.errorcode.get(code, f"errno {code}")


class KernelError(PyBPFError, OSError):
    """The kernel (or libbpf) said no. ``errno`` and ``errno_name`` say how."""

    def __init__(self, code: int, message: str, log: str = ""):
        self.errno_name = _errno_name(code) if code else ""
        self.log = log
        self.detail = message
        OSError.__init__(self, code, message)

    def __str__(self) -> str:
        head = f"{self.errno_name}: {self.detail}" if self.errno_name else self.detail
        return f"{head}\n{self.log.rstrip()}" if self.log.strip() else head


class KernelUnavailable(KernelError):
    """No kernel to ask: not Linux, libbpf missing, or ``bpf()`` refused (see the reason)."""


class KernelRefused(KernelError):
    """The kernel refused to load a program (usually the verifier). ``log`` is its log.

    ``log`` holds the verifier log; for objects loaded through libbpf,
    ``libbpf_log`` holds everything libbpf printed while opening and loading.
    """

    def __init__(self, code: int, message: str, log: str = "", libbpf_log: str = ""):
        super().__init__(code, message, log)
        self.libbpf_log = libbpf_log


class KernelRunError(KernelError):
    """``BPF_PROG_TEST_RUN`` or a map operation failed (EINVAL, ENOSPC, ENOENT ...)."""


# --------------------------------------------------------------------------
# cffi bindings
# --------------------------------------------------------------------------

_CDEF_LIBC = """
long syscall(long number, ...);
int vsnprintf(char *str, size_t size, const char *format, void *ap);

struct pybpf_prog_load_attr {
    uint32_t prog_type;
    uint32_t insn_cnt;
    uint64_t insns;
    uint64_t license;
    uint32_t log_level;
    uint32_t log_size;
    uint64_t log_buf;
    uint32_t kern_version;
    uint32_t prog_flags;
    char     prog_name[16];
    uint32_t prog_ifindex;
    uint32_t expected_attach_type;
};

struct pybpf_test_run_attr {
    uint32_t prog_fd;
    uint32_t retval;
    uint32_t data_size_in;
    uint32_t data_size_out;
    uint64_t data_in;
    uint64_t data_out;
    uint32_t repeat;
    uint32_t duration;
    uint32_t ctx_size_in;
    uint32_t ctx_size_out;
    uint64_t ctx_in;
    uint64_t ctx_out;
    uint32_t flags;
    uint32_t cpu;
    uint32_t batch_size;
    uint32_t _pad;
};

struct pybpf_map_elem_attr {
    uint32_t map_fd;
    uint32_t _pad;
    uint64_t key;
    uint64_t value;   /* or next_key */
    uint64_t flags;
};
"""

_CDEF_LIBBPF = """
struct bpf_object;
struct bpf_program;
struct bpf_map;

typedef int (*libbpf_print_fn_t)(int level, const char *fmt, void *ap);
libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn);
unsigned int libbpf_major_version(void);
unsigned int libbpf_minor_version(void);
int libbpf_num_possible_cpus(void);

struct bpf_object *bpf_object__open_file(const char *path, const void *opts);
int bpf_object__load(struct bpf_object *obj);
void bpf_object__close(struct bpf_object *obj);

struct bpf_program *bpf_object__find_program_by_name(const struct bpf_object *obj,
                                                     const char *name);
struct bpf_program *bpf_object__next_program(const struct bpf_object *obj,
                                             struct bpf_program *prog);
const char *bpf_program__name(const struct bpf_program *prog);
const char *bpf_program__section_name(const struct bpf_program *prog);
int bpf_program__fd(const struct bpf_program *prog);
int bpf_program__type(const struct bpf_program *prog);

struct bpf_map *bpf_object__find_map_by_name(const struct bpf_object *obj, const char *name);
struct bpf_map *bpf_object__next_map(const struct bpf_object *obj, const struct bpf_map *map);
const char *bpf_map__name(const struct bpf_map *map);
int bpf_map__fd(const struct bpf_map *map);
int bpf_map__set_pin_path(struct bpf_map *map, const char *path);
int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size);

struct bpf_test_run_opts {
    size_t sz;
    const void *data_in;
    void *data_out;
    uint32_t data_size_in;
    uint32_t data_size_out;
    const void *ctx_in;
    void *ctx_out;
    uint32_t ctx_size_in;
    uint32_t ctx_size_out;
    uint32_t retval;
    int repeat;
    uint32_t duration;
    uint32_t flags;
    uint32_t cpu;
    uint32_t batch_size;
};
int bpf_prog_test_run_opts(int prog_fd, struct bpf_test_run_opts *opts);

int bpf_map_lookup_elem(int fd, const void *key, void *value);
int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags);
int bpf_map_delete_elem(int fd, const void *key);
int bpf_map_get_next_key(int fd, const void *key, void *next_key);
int bpf_obj_get_info_by_fd(int bpf_fd, void *info, uint32_t *info_len);
"""

_lock = threading.RLock()
_state: dict = {}


def _ffi():
    """(ffi, libc): cffi and the C library, or raises KernelUnavailable."""
    with _lock:
        if "ffi" not in _state:
            try:
                import cffi
            except ImportError as exc:  # pragma: no cover - cffi is a dependency
                _state["ffi"] = None
                _state["ffi_error"] = f"cffi is not installed ({exc})"
            else:
                ffi = cffi.FFI()
                ffi.cdef(_CDEF_LIBC)
                ffi.cdef(_CDEF_LIBBPF)
                _state["ffi"] = ffi
                try:
                    _state["libc"] = ffi.dlopen(None)
                except OSError as exc:  # pragma: no cover
                    _state["libc"] = None
                    _state["ffi_error"] = f"cannot open the C library: {exc}"
        if _state["ffi"] is None or _state.get("libc") is None:
            raise KernelUnavailable(0, _state["ffi_error"])
        return _state["ffi"], _state["libc"]


def _libbpf_candidates() -> list[str]:
    names = []
    env = os.environ.get("PYBPF_LIBBPF")
    if env and env.lower() == "none":
        return []
    if env:
        names.append(env)
    names += ["libbpf.so.1", "libbpf.so"]  # PYBPF_LIBBPF=none: behave as if missing
    found = ctypes.util.find_library("bpf")
    if found and found not in names:
        names.append(found)
    return names


def _libbpf():
    """The libbpf library (cffi handle), or raises KernelUnavailable."""
    ffi, libc = _ffi()
    with _lock:
        if "libbpf" not in _state:
            lib, errors = None, []
            for name in _libbpf_candidates():
                try:
                    lib = ffi.dlopen(name)
                    break
                except OSError as exc:
                    errors.append(f"{name}: {exc}")
            if lib is not None:
                try:
                    major, minor = lib.libbpf_major_version(), lib.libbpf_minor_version()
                except AttributeError:  # pre-0.6 libbpf has no version functions
                    lib, errors = None, ["libbpf is older than 0.6 (no libbpf_major_version)"]
                else:
                    if major < 1:
                        lib, errors = None, [f"libbpf {major}.{minor} is too old (1.0+ needed)"]
                    else:
                        _state["libbpf_version"] = (major, minor)
            _state["libbpf"] = lib
            _state["libbpf_error"] = ("libbpf not found (" + "; ".join(errors) + ")") if errors \
                else "libbpf not found (disabled by PYBPF_LIBBPF=none)"
            if lib is not None:
                _install_print_hook(ffi, libc, lib)
        if _state["libbpf"] is None:
            raise KernelUnavailable(0, _state["libbpf_error"])
        return _state["libbpf"]


# --- libbpf's log: every message goes to the current thread's sink ----------

_sink = threading.local()


def _install_print_hook(ffi, libc, lib) -> None:
    buf = ffi.new("char[]", 8192)

    @ffi.callback("int(int, const char *, void *)")
    def _print(level, fmt, ap):
        try:
            sink = getattr(_sink, "lines", None)
            if sink is None or level > getattr(_sink, "level", LIBBPF_INFO):
                return 0
            n = libc.vsnprintf(buf, len(buf), fmt, ap)
            text = ffi.string(buf).decode("utf-8", "replace")
            if n >= len(buf):
                text += "[...truncated]\n"
            sink.append(text)
        except Exception:  # never let an exception cross into C
            pass
        return 0

    _state["print_cb"] = _print  # keep the callback alive as long as libbpf may call it
    _state["print_buf"] = buf
    lib.libbpf_set_print(_print)


@contextlib.contextmanager
def _capture_libbpf(level: int = LIBBPF_INFO):
    """Collect what libbpf prints in this thread; yields the list of messages."""
    previous = getattr(_sink, "lines", None), getattr(_sink, "level", LIBBPF_INFO)
    lines: list[str] = []
    _sink.lines, _sink.level = lines, level
    try:
        yield lines
    finally:
        _sink.lines, _sink.level = previous


def _split_verifier_log(libbpf_log: str) -> str:
    """The verifier's part of libbpf's output (between BEGIN/END PROG LOAD LOG)."""
    parts = []
    rest = libbpf_log
    while _LOG_BEGIN in rest:
        start = rest.index(_LOG_BEGIN) + len(_LOG_BEGIN)
        end = rest.find(_LOG_END, start)
        parts.append(rest[start:end if end >= 0 else len(rest)].strip("\n"))
        rest = rest[end:] if end >= 0 else ""
    return "\n".join(parts)


# --------------------------------------------------------------------------
# availability
# --------------------------------------------------------------------------


def _nr_bpf() -> int | None:
    return _NR_BPF.get(platform.machine().lower())


def _sys_bpf(cmd: int, attr) -> int:
    """``bpf(cmd, attr, sizeof(*attr))``; returns the result or raises OSError(errno)."""
    ffi, libc = _ffi()
    nr = _nr_bpf()
    if nr is None:
        raise KernelUnavailable(0, f"no bpf() syscall number known for {platform.machine()}")
    ret = libc.syscall(ffi.cast("long", nr), ffi.cast("long", cmd), ffi.cast("void *", attr),
                       ffi.cast("long", ffi.sizeof(attr[0])))
    if ret < 0:
        code = ffi.errno
        raise OSError(code, os.strerror(code))
    return int(ret)


def _probe_syscall() -> str:
    """'' when bpf() can load and test-run an XDP program, else why not."""
    if not sys.platform.startswith("linux"):
        return f"not Linux (sys.platform is {sys.platform!r}); the kernel oracle needs bpf()"
    try:
        _ffi()
    except KernelUnavailable as exc:
        return str(exc)
    if _nr_bpf() is None:
        return f"no bpf() syscall number known for machine {platform.machine()!r}"
    # r0 = XDP_PASS (2); exit
    probe = bytes([0xb7, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0])
    try:
        fd = _prog_load(probe, PROG_TYPES["xdp"], log_level=0, name="pybpf_probe")[0]
    except KernelRefused as exc:
        if exc.errno in (_errno.EPERM, _errno.EACCES):
            return (f"bpf() refused with {exc.errno_name}: loading XDP programs needs root "
                    "(CAP_BPF + CAP_NET_ADMIN)")
        if exc.errno == _errno.ENOSYS:
            return "bpf() is not available (ENOSYS: kernel without CONFIG_BPF_SYSCALL, or seccomp)"
        return f"bpf() probe load failed: {exc}"
    except OSError as exc:
        return f"bpf() probe failed: {exc}"
    try:
        res = _test_run_syscall(fd, bytes(64), None, 1, 64 + _DATA_OUT_SLACK, 0, 0, 0)
        if res.retval != 2:
            return f"bpf() probe test run returned {res.retval}, expected 2 (XDP_PASS)"
    except KernelError as exc:
        return f"BPF_PROG_TEST_RUN is not usable: {exc}"
    finally:
        os.close(fd)
    return ""


def unavailable_reason(libbpf: bool = True) -> str:
    """Why the kernel oracle cannot be used here, or ``''`` when it can.

    ``libbpf=False`` asks only about the raw ``bpf()`` syscall (enough for
    :func:`load_raw` and :func:`test_run`), not about libbpf. Cached.
    """
    with _lock:
        if "syscall_reason" not in _state:
            _state["syscall_reason"] = _probe_syscall()
        reason = _state["syscall_reason"]
        if reason or not libbpf:
            return reason
        try:
            _libbpf()
        except KernelUnavailable as exc:
            return str(exc)
        return ""


def available(libbpf: bool = True) -> bool:
    """True when programs can be loaded and test-run in this kernel (cached)."""
    return not unavailable_reason(libbpf)


def _require(libbpf: bool = True) -> None:
    reason = unavailable_reason(libbpf)
    if reason:
        raise KernelUnavailable(0, reason)


def kernel_release() -> str:
    """The running kernel's release string (``uname -r``)."""
    return os.uname().release


def libbpf_version() -> str | None:
    """``"major.minor"`` of the libbpf in use, or None when it is missing."""
    try:
        _libbpf()
    except KernelUnavailable:
        return None
    major, minor = _state["libbpf_version"]
    return f"{major}.{minor}"


# --------------------------------------------------------------------------
# raw program loading
# --------------------------------------------------------------------------


def prog_type_number(prog_type) -> int:
    """``enum bpf_prog_type`` for an int or a name such as ``"xdp"``, ``"sched_cls"``, ``"tc"``."""
    if isinstance(prog_type, int):
        return prog_type
    key = str(prog_type).lower()
    key = key[len("bpf_prog_type_"):] if key.startswith("bpf_prog_type_") else key
    key = _PROG_TYPE_ALIASES.get(key, key)
    try:
        return PROG_TYPES[key]
    except KeyError:
        raise ValueError(f"unknown BPF program type {prog_type!r} "
                         f"(known: {', '.join(sorted(PROG_TYPES))})") from None


RawLoad = namedtuple("RawLoad", "fd log")
RawLoad.__doc__ = "A program loaded with :func:`load_raw_logged`: its fd and the verifier log."


def _prog_load(insns: bytes, prog_type: int, log_level: int, name: str = "",
               license: str = "GPL", expected_attach_type: int = 0, prog_flags: int = 0,
               kern_version: int = 0, log_size: int | None = None) -> tuple[int, str]:
    ffi, _ = _ffi()
    insns = bytes(insns)
    if len(insns) % 8 or not insns:
        raise ValueError(f"instruction bytes must be a non-empty multiple of 8 long, "
                         f"got {len(insns)}")
    code = ffi.new("char[]", insns)
    lic = ffi.new("char[]", license.encode())
    sizes = (log_size,) if log_size else (_LOG_SIZES if log_level else (0,))
    for size in sizes:
        log = ffi.new("char[]", size) if size else ffi.NULL
        attr = ffi.new("struct pybpf_prog_load_attr *")
        attr.prog_type = prog_type
        attr.insn_cnt = len(insns) // 8
        attr.insns = int(ffi.cast("uintptr_t", code))
        attr.license = int(ffi.cast("uintptr_t", lic))
        attr.log_level = log_level if size else 0
        attr.log_size = size
        attr.log_buf = int(ffi.cast("uintptr_t", log)) if size else 0
        attr.kern_version = kern_version
        attr.prog_flags = prog_flags
        attr.expected_attach_type = expected_attach_type
        clean = "".join(c if c.isalnum() or c in "_." else "_" for c in name)[:15]
        attr.prog_name = clean.encode()
        try:
            fd = _sys_bpf(BPF_PROG_LOAD, attr)
        except OSError as exc:
            text = ffi.string(log).decode("utf-8", "replace") if size else ""
            if exc.errno == _errno.ENOSPC and size != sizes[-1]:
                continue  # the log overflowed its buffer: retry with a bigger one
            raise KernelRefused(exc.errno, f"the kernel refused program {name or '<raw>'} "
                                f"(type {prog_type}, {len(insns) // 8} insns)", text) from None
        text = ffi.string(log).decode("utf-8", "replace") if size else ""
        return fd, text
    raise AssertionError("unreachable")  # pragma: no cover


def load_raw_logged(insn_bytes: bytes, prog_type, log_level: int = 1, *, name: str = "",
                    license: str = "GPL", expected_attach_type: int = 0, prog_flags: int = 0,
                    kern_version: int = 0, log_size: int | None = None) -> RawLoad:
    """Like :func:`load_raw`, but also returns the verifier log of a successful load."""
    _require(libbpf=False)
    fd, log = _prog_load(insn_bytes, prog_type_number(prog_type), log_level, name, license,
                         expected_attach_type, prog_flags, kern_version, log_size)
    return RawLoad(fd, log)


def load_raw(insn_bytes: bytes, prog_type, log_level: int = 1, **kw) -> int:
    """Load raw BPF instructions with ``bpf(BPF_PROG_LOAD)``; returns the program's fd.

    ``prog_type`` is ``enum bpf_prog_type`` (XDP=6, SCHED_CLS=3, SOCKET_FILTER=1, ...) or
    its name. The license is ``"GPL"``. On refusal raises :class:`KernelRefused` whose
    ``log`` is the verifier log (``log_level`` 1 or 2; 0 loads without a log). The caller
    owns the fd (``os.close`` it). Keywords: ``name``, ``license``,
    ``expected_attach_type``, ``prog_flags``, ``kern_version``, ``log_size``.
    """
    return load_raw_logged(insn_bytes, prog_type, log_level, **kw).fd


# --------------------------------------------------------------------------
# test runs
# --------------------------------------------------------------------------

TestRun = namedtuple("TestRun", "retval data_out ctx_out duration_ns")
TestRun.__doc__ = ("The result of ``BPF_PROG_TEST_RUN``: the program's return value (u32), "
                   "the packet after the run (XDP: from data_meta to data_end), the context "
                   "after the run (None when no ctx buffer was given), and the mean "
                   "duration per repetition in ns.")
TestRun.__test__ = False  # not a pytest test class


@contextlib.contextmanager
def pinned_cpu(cpu: int | None = 0):
    """Run the body with the calling thread pinned to ``cpu`` (restored afterwards).

    When ``cpu`` is not in the allowed set (a cpuset), the lowest allowed CPU is
    used instead. ``cpu=None`` does nothing. Yields the CPU pinned to (or None).
    """
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    target = cpu if cpu in before else min(before)
    if before == {target}:
        yield target
        return
    os.sched_setaffinity(0, {target})
    try:
        yield target
    finally:
        os.sched_setaffinity(0, before)


def _run_error(code: int, prog_fd: int, data_size_out: int) -> KernelRunError:
    hint = ""
    if code == _errno.ENOSPC:
        hint = f" (data_out or ctx_out too small: data_size_out={data_size_out})"
    elif code == _errno.EINVAL:
        hint = (" (the kernel refused the input: e.g. a packet shorter than an Ethernet "
                "header, a bad ctx_in, or a program type without test-run support)")
    return KernelRunError(code, f"BPF_PROG_TEST_RUN on prog fd {prog_fd} failed{hint}")


def _test_run_syscall(prog_fd, data_in, ctx_in, repeat, data_size_out, ctx_size_out,
                      flags, cpu) -> TestRun:
    ffi, _ = _ffi()
    din = ffi.new("char[]", bytes(data_in) or b"\0")
    dout = ffi.new("char[]", max(data_size_out, 1))
    cin = ffi.new("char[]", bytes(ctx_in)) if ctx_in is not None else ffi.NULL
    cout = ffi.new("char[]", ctx_size_out) if ctx_size_out else ffi.NULL
    attr = ffi.new("struct pybpf_test_run_attr *")
    attr.prog_fd = prog_fd
    attr.data_in = int(ffi.cast("uintptr_t", din)) if data_in else 0
    attr.data_size_in = len(data_in)
    attr.data_out = int(ffi.cast("uintptr_t", dout)) if data_size_out else 0
    attr.data_size_out = data_size_out
    if ctx_in is not None:
        attr.ctx_in = int(ffi.cast("uintptr_t", cin))
        attr.ctx_size_in = len(ctx_in)
    if ctx_size_out:
        attr.ctx_out = int(ffi.cast("uintptr_t", cout))
        attr.ctx_size_out = ctx_size_out
    attr.repeat = repeat
    attr.flags = flags
    attr.cpu = cpu
    try:
        _sys_bpf(BPF_PROG_TEST_RUN, attr)
    except OSError as exc:
        raise _run_error(exc.errno, prog_fd, data_size_out) from None
    data = ffi.buffer(dout, attr.data_size_out)[:] if data_size_out else b""
    ctx = ffi.buffer(cout, attr.ctx_size_out)[:] if ctx_size_out else None
    return TestRun(attr.retval, data, ctx, attr.duration)


def _test_run_libbpf(prog_fd, data_in, ctx_in, repeat, data_size_out, ctx_size_out,
                     flags, cpu) -> TestRun:
    ffi, _ = _ffi()
    lib = _libbpf()
    din = ffi.new("char[]", bytes(data_in) or b"\0")
    dout = ffi.new("char[]", max(data_size_out, 1))
    cin = ffi.new("char[]", bytes(ctx_in)) if ctx_in is not None else ffi.NULL
    cout = ffi.new("char[]", ctx_size_out) if ctx_size_out else ffi.NULL
    opts = ffi.new("struct bpf_test_run_opts *")
    opts.sz = ffi.sizeof("struct bpf_test_run_opts")
    opts.data_in = din if data_in else ffi.NULL
    opts.data_size_in = len(data_in)
    opts.data_out = dout if data_size_out else ffi.NULL
    opts.data_size_out = data_size_out
    if ctx_in is not None:
        opts.ctx_in = cin
        opts.ctx_size_in = len(ctx_in)
    if ctx_size_out:
        opts.ctx_out = cout
        opts.ctx_size_out = ctx_size_out
    opts.repeat = repeat
    opts.flags = flags
    opts.cpu = cpu
    ret = lib.bpf_prog_test_run_opts(prog_fd, opts)
    if ret < 0:
        raise _run_error(ffi.errno or -ret, prog_fd, data_size_out)
    data = ffi.buffer(dout, opts.data_size_out)[:] if data_size_out else b""
    ctx = ffi.buffer(cout, opts.ctx_size_out)[:] if ctx_size_out else None
    return TestRun(opts.retval, data, ctx, opts.duration)


def test_run(prog_fd: int, data_in: bytes, ctx_in: bytes | None = None, repeat: int = 1,
             data_size_out: int | None = None, ctx_size_out: int | None = None, *,
             flags: int = 0, cpu: int = 0, pin_cpu: int | None = 0,
             via: str = "auto") -> TestRun:
    """Run a loaded program once (or ``repeat`` times) with ``BPF_PROG_TEST_RUN``.

    Returns ``TestRun(retval, data_out, ctx_out, duration_ns)``. ``data_size_out``
    defaults to the input size plus 4096 bytes (room for XDP head/tail adjustments),
    ``ctx_size_out`` to the size of ``ctx_in`` (0, no ctx_out, without one). ``flags``
    and ``cpu`` are passed through (``BPF_F_TEST_RUN_ON_CPU`` ...). The thread is
    pinned to CPU ``pin_cpu`` (None: not pinned) for the run. ``via`` picks libbpf's
    ``bpf_prog_test_run_opts`` (``"libbpf"``), the raw syscall (``"syscall"``) or
    libbpf when it is present (``"auto"``). Errors raise :class:`KernelRunError`
    carrying the errno (``.errno_name`` is e.g. ``"EINVAL"``).
    """
    data_in = bytes(data_in)
    if data_size_out is None:
        data_size_out = len(data_in) + _DATA_OUT_SLACK
    if ctx_size_out is None:
        ctx_size_out = len(ctx_in) if ctx_in is not None else 0
    if via == "auto":
        via = "libbpf" if available(libbpf=True) else "syscall"
    if via == "libbpf":
        _require(libbpf=True)
        runner = _test_run_libbpf
    elif via == "syscall":
        _require(libbpf=False)
        runner = _test_run_syscall
    else:
        raise ValueError(f"via must be 'auto', 'libbpf' or 'syscall', not {via!r}")
    with pinned_cpu(pin_cpu):
        return runner(prog_fd, data_in, ctx_in, repeat, data_size_out, ctx_size_out, flags, cpu)


test_run.__test__ = False  # `from pybpf.kernel import test_run` must not become a pytest test


# --------------------------------------------------------------------------
# maps
# --------------------------------------------------------------------------

MapInfo = namedtuple("MapInfo", "type id key_size value_size max_entries map_flags name")
MapInfo.__doc__ = "The head of ``struct bpf_map_info`` for a map fd."


def map_info(map_fd: int) -> MapInfo:
    """Type, id, key/value sizes, max_entries, flags and name of a map (``BPF_OBJ_GET_INFO_BY_FD``)."""
    _require(libbpf=True)
    ffi, _ = _ffi()
    lib = _libbpf()
    # struct bpf_map_info starts: type, id, key_size, value_size, max_entries, map_flags
    # (all __u32), then char name[16]. Ask for those 40 bytes only.
    info = ffi.new("uint32_t[10]")
    size = ffi.new("uint32_t *", ffi.sizeof(info))
    if lib.bpf_obj_get_info_by_fd(map_fd, info, size) < 0:
        code = ffi.errno
        raise KernelRunError(code, f"BPF_OBJ_GET_INFO_BY_FD on map fd {map_fd} failed")
    name = ffi.buffer(info, 40)[24:40].split(b"\0", 1)[0].decode("utf-8", "replace")
    return MapInfo(info[0], info[1], info[2], info[3], info[4], info[5], name)


def possible_cpus() -> int:
    """The number of possible CPUs: how many values a per-CPU map lookup returns."""
    _require(libbpf=True)
    return int(_libbpf().libbpf_num_possible_cpus())


def _value_buffer_size(info: MapInfo) -> int:
    if info.type in PERCPU_MAP_TYPES:
        return ((info.value_size + 7) // 8 * 8) * _libbpf().libbpf_num_possible_cpus()
    return info.value_size


def _map_call(what: str, map_fd: int, ret: int) -> None:
    if ret < 0:
        ffi, _ = _ffi()
        code = ffi.errno or -ret
        raise KernelRunError(code, f"{what} on map fd {map_fd} failed")


def map_lookup(map_fd: int, key: bytes, value_size: int | None = None) -> bytes | None:
    """The value stored under ``key``, or None when there is none (ENOENT).

    For per-CPU maps the value is one ``round_up(value_size, 8)`` slot per possible
    CPU, concatenated. ``value_size`` defaults to what the kernel reports.
    """
    _require(libbpf=True)
    ffi, _ = _ffi()
    lib = _libbpf()
    if value_size is None:
        value_size = _value_buffer_size(map_info(map_fd))
    k = ffi.new("char[]", bytes(key) or b"\0")
    v = ffi.new("char[]", max(value_size, 1))
    ret = lib.bpf_map_lookup_elem(map_fd, k, v)
    if ret < 0 and (ffi.errno or -ret) == _errno.ENOENT:
        return None
    _map_call("BPF_MAP_LOOKUP_ELEM", map_fd, ret)
    return ffi.buffer(v, value_size)[:]


def map_update(map_fd: int, key: bytes, value: bytes, flags: int = BPF_ANY) -> None:
    """Store ``value`` under ``key`` (``flags``: BPF_ANY, BPF_NOEXIST, BPF_EXIST)."""
    _require(libbpf=True)
    ffi, _ = _ffi()
    lib = _libbpf()
    k = ffi.new("char[]", bytes(key) or b"\0")
    v = ffi.new("char[]", bytes(value) or b"\0")
    _map_call("BPF_MAP_UPDATE_ELEM", map_fd, lib.bpf_map_update_elem(map_fd, k, v, flags))


def map_delete(map_fd: int, key: bytes) -> None:
    """Delete ``key`` (raises KernelRunError ENOENT when absent)."""
    _require(libbpf=True)
    ffi, _ = _ffi()
    lib = _libbpf()
    k = ffi.new("char[]", bytes(key) or b"\0")
    _map_call("BPF_MAP_DELETE_ELEM", map_fd, lib.bpf_map_delete_elem(map_fd, k))


def map_next_key(map_fd: int, key: bytes | None, key_size: int) -> bytes | None:
    """The key after ``key`` (the first key when ``key`` is None); None at the end."""
    _require(libbpf=True)
    ffi, _ = _ffi()
    lib = _libbpf()
    k = ffi.new("char[]", bytes(key)) if key is not None else ffi.NULL
    nk = ffi.new("char[]", max(key_size, 1))
    ret = lib.bpf_map_get_next_key(map_fd, k, nk)
    if ret < 0 and (ffi.errno or -ret) == _errno.ENOENT:
        return None
    _map_call("BPF_MAP_GET_NEXT_KEY", map_fd, ret)
    return ffi.buffer(nk, key_size)[:]


def dump_map(map_fd: int, key_size: int | None = None,
             value_size: int | None = None) -> list[tuple[bytes, bytes]]:
    """Every ``(key, value)`` of a map as bytes, sorted by key bytes.

    Sizes default to what the kernel reports for the map; for per-CPU maps the
    default value size covers every possible CPU (see :func:`map_lookup`).
    """
    _require(libbpf=True)
    if key_size is None or value_size is None:
        info = map_info(map_fd)
        key_size = info.key_size if key_size is None else key_size
        value_size = _value_buffer_size(info) if value_size is None else value_size
    items = []
    key = None
    seen = set()
    while True:
        key = map_next_key(map_fd, key, key_size)
        if key is None or key in seen:  # a key deleted under us can restart the walk
            break
        seen.add(key)
        value = map_lookup(map_fd, key, value_size)
        if value is not None:
            items.append((key, value))
    items.sort(key=lambda kv: kv[0])
    return items


# --------------------------------------------------------------------------
# objects through libbpf
# --------------------------------------------------------------------------


class KernelObject:
    """A BPF object file opened and loaded into the kernel by libbpf.

    ``log`` holds what libbpf printed (warnings and info; debug too with
    ``debug=True``); a refused load raises :class:`KernelRefused` with the
    verifier's log. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike, *, debug: bool = False, pin: bool = False,
                 rodata: dict | None = None):
        """``pin=False`` (the default) loads pinned maps unpinned, leaving the system's
        bpffs alone; ``rodata`` sets read-only globals before load as
        ``pybpf.load(..., rodata=)`` does (``{"name": int or bytes}``)."""
        _require(libbpf=True)
        self.path = os.fspath(path)
        self._ffi, _ = _ffi()
        self._lib = _libbpf()
        self._obj = None
        level = LIBBPF_DEBUG if debug else LIBBPF_INFO
        initial = self._rodata_sections(rodata) if rodata else {}
        with _capture_libbpf(level) as lines:
            obj = self._lib.bpf_object__open_file(self.path.encode(), self._ffi.NULL)
            if obj == self._ffi.NULL:
                code = self._ffi.errno
                self.log = "".join(lines)
                raise KernelRefused(code, f"{self.path}: libbpf could not open the object",
                                    self.log, self.log)
            self._obj = obj
            self._keep = []
            m = self._lib.bpf_object__next_map(obj, self._ffi.NULL)
            while m != self._ffi.NULL:
                if not pin:
                    self._lib.bpf_map__set_pin_path(m, self._ffi.NULL)
                name = self._ffi.string(self._lib.bpf_map__name(m)).decode()
                for section, data in initial.items():
                    # libbpf names internal maps by a prefix of the object name + section
                    if name.endswith(section):
                        buf = self._ffi.new("char[]", data)
                        self._keep.append(buf)
                        self._lib.bpf_map__set_initial_value(m, buf, len(data))
                m = self._lib.bpf_object__next_map(obj, m)
            ret = self._lib.bpf_object__load(obj)
            self.log = "".join(lines)
        if ret < 0:
            code = self._ffi.errno or -ret
            self.close()
            raise KernelRefused(code, f"{self.path}: the kernel refused the object",
                                _split_verifier_log(self.log) or self.log, self.log)

    def _rodata_sections(self, values: dict) -> dict:
        """Initial bytes of the read-only data sections with ``values`` applied (pybpf's
        reading of the ELF, so both sides start from the same bytes)."""
        from .elf import read_object
        from .loader import _with_rodata
        spec = read_object(self.path)
        data = _with_rodata(spec, values, os.path.basename(self.path))
        return {name: data[name] for name, sec in spec.data_sections.items() if sec.readonly}

    # -- lifetime
    def close(self) -> None:
        if self._obj is not None:
            self._lib.bpf_object__close(self._obj)
            self._obj = None

    def __enter__(self) -> "KernelObject":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "closed" if self._obj is None else f"programs={self.program_names}"
        return f"<KernelObject {os.path.basename(self.path)} {state}>"

    def _live(self):
        if self._obj is None:
            raise KernelError(_errno.EBADF, f"{self.path}: object is closed")
        return self._obj

    def _str(self, p) -> str:
        return self._ffi.string(p).decode("utf-8", "replace") if p != self._ffi.NULL else ""

    # -- programs
    @property
    def program_names(self) -> list[str]:
        obj, names = self._live(), []
        prog = self._lib.bpf_object__next_program(obj, self._ffi.NULL)
        while prog != self._ffi.NULL:
            names.append(self._str(self._lib.bpf_program__name(prog)))
            prog = self._lib.bpf_object__next_program(obj, prog)
        return names

    def _program(self, name: str | None):
        obj = self._live()
        if name is None:
            names = self.program_names
            if len(names) != 1:
                raise KernelError(0, f"{self.path}: has {len(names)} programs "
                                     f"({', '.join(names) or 'none'}); name one")
            name = names[0]
        prog = self._lib.bpf_object__find_program_by_name(obj, name.encode())
        if prog == self._ffi.NULL:
            raise KernelError(_errno.ENOENT, f"{self.path}: no program named {name!r} "
                                             f"(programs: {', '.join(self.program_names)})")
        return prog

    def prog_fd(self, name: str | None = None) -> int:
        """The fd of program ``name`` (optional when there is one); owned by the object."""
        return self._lib.bpf_program__fd(self._program(name))

    def prog_type(self, name: str | None = None) -> int:
        """``enum bpf_prog_type`` libbpf chose for program ``name`` (from its section)."""
        return self._lib.bpf_program__type(self._program(name))

    def section(self, name: str | None = None) -> str:
        return self._str(self._lib.bpf_program__section_name(self._program(name)))

    def run(self, name: str | None, data_in: bytes, ctx_in: bytes | None = None,
            repeat: int = 1, **kw) -> TestRun:
        """:func:`test_run` program ``name`` on ``data_in``."""
        return test_run(self.prog_fd(name), data_in, ctx_in, repeat, **kw)

    # -- maps
    @property
    def map_names(self) -> list[str]:
        obj, names = self._live(), []
        m = self._lib.bpf_object__next_map(obj, self._ffi.NULL)
        while m != self._ffi.NULL:
            names.append(self._str(self._lib.bpf_map__name(m)))
            m = self._lib.bpf_object__next_map(obj, m)
        return names

    def map_fd(self, name: str) -> int:
        """The fd of map ``name`` (internal maps are named like ``prog.bss``)."""
        m = self._lib.bpf_object__find_map_by_name(self._live(), name.encode())
        if m == self._ffi.NULL:
            raise KernelError(_errno.ENOENT, f"{self.path}: no map named {name!r} "
                                             f"(maps: {', '.join(self.map_names) or 'none'})")
        return self._lib.bpf_map__fd(m)

    def dump_map(self, name: str) -> list[tuple[bytes, bytes]]:
        """:func:`dump_map` of map ``name``."""
        return dump_map(self.map_fd(name))
