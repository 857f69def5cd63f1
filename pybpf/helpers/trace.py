"""``bpf_trace_printk``: the kernel's restricted printf, captured as trace-pipe lines.

The kernel accepts at most three arguments and the conversions ``%d %i %u %x
%X %ld %li %lu %lx %lld %lli %llu %llx %p %pK %px %s %c %%`` (with ``-``, ``0``
and field widths); anything else makes the helper return ``-EINVAL`` without
printing, as in the kernel.
"""

from __future__ import annotations

import re

EINVAL = 22
_SPEC = re.compile(r"%([-0 +#]*)(\d*)(?:\.(\d+))?(ll|l|h|hh|z)?([diuxXpsc%])(K|x|s)?")


def format_printk(fmt: str, args, read_str) -> str | None:
    """Format like the kernel; None when the format is invalid (-EINVAL)."""
    out, pos, used = [], 0, 0
    for m in _SPEC.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, length, conv, suffix = m.groups()
        if suffix and conv != "p":  # only %pK / %px / %ps take a suffix letter
            pos -= len(suffix)
        if conv == "%":
            out.append("%")
            continue
        if used >= 3:
            return None
        value = args[used]
        used += 1
        length = length or ""
        bits = 64 if length in ("l", "ll", "z") else 32
        if conv in "di":
            v = value & ((1 << bits) - 1)
            if v >> (bits - 1):
                v -= 1 << bits
            text = f"%{flags}{width}d" % v
        elif conv in "uxX":
            v = value & ((1 << bits) - 1)
            text = f"%{flags}{width}{'d' if conv == 'u' else conv}" % v
        elif conv == "p":
            text = f"{value:016x}" if suffix == "x" else f"0x{value:x}" if value else "(null)"
        elif conv == "s":
            text = read_str(value)
            if text is None:
                return None
            text = f"%{flags}{width}s" % text
        elif conv == "c":
            text = chr(value & 0xFF)
        else:
            return None
        out.append(text)
    out.append(fmt[pos:])
    return "".join(out)
