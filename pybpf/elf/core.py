"""CO-RE relocations, applied against the kernel types pybpf models.

clang leaves a ``bpf_core_relo`` record for every access it compiled under
``__builtin_preserve_access_index`` (``BPF_CORE_READ``, ``bpf_core_field_exists``,
a struct declared with ``preserve_access_index``...). At load time libbpf
resolves each against the running kernel's BTF and patches the instruction.
pybpf's kernel is the model it runs programs in, and what it models of the
kernel's types are the context structs (``struct __sk_buff``, ``struct xdp_md``,
from :mod:`pybpf.contexts`). So:

* a relocation whose root type is one of those (by name, ignoring a
  ``___flavor`` suffix, as libbpf does) is resolved against the model: a field
  gets the kernel's offset and size, ``bpf_core_field_exists`` is 0 for a field
  the kernel does not have, and any other use of such a field poisons the
  instruction as libbpf does (a call to helper 0xbad2310 that fails with a clear
  error if it runs);
* any other type has no kernel counterpart in pybpf, so the program's own
  (local) BTF is taken as the target: offsets, sizes and enum values stay what
  clang computed, and types and fields exist.

A relocation on an instruction it cannot patch is a :class:`LinkError`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import LinkError
from ..isa import opcodes as o
from ..isa.insn import Insn
from . import btf as B

#: The helper id libbpf writes into a poisoned instruction (shown as ``unknown#195896080``).
POISON_HELPER = 0xBAD2310

(FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS, FIELD_SIGNED, FIELD_LSHIFT_U64,
 FIELD_RSHIFT_U64, TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, ENUMVAL_EXISTS,
 ENUMVAL_VALUE, TYPE_MATCHES) = range(13)
_FIELD_KINDS = range(FIELD_BYTE_OFFSET, FIELD_RSHIFT_U64 + 1)


@dataclass(frozen=True)
class TargetField:
    offset: int
    size: int
    count: int = 1


def target_types() -> dict[str, tuple[int, dict[str, TargetField]]]:
    """The kernel structs pybpf models: name -> (size, fields)."""
    from ..contexts.skb import SK_BUFF
    from ..contexts.xdp import XDP_MD
    return {layout.struct_name: (layout.size, {f.name: TargetField(f.offset, f.size, f.count)
                                               for f in layout.fields.values()})
            for layout in (SK_BUFF, XDP_MD)}


def essential_name(name: str) -> str:
    """``__sk_buff___mine`` -> ``__sk_buff``: libbpf's flavour convention."""
    i = name.find("___")
    return name[:i] if i > 0 else name


@dataclass
class _Resolved:
    value: int | None          # None: poison
    why: str = ""


def _local_field(btf, root_id: int, spec: list[int]):
    """Walk the access spec through the local types: (path, bit offset, member, type id)."""
    root = btf.resolve(root_id)
    bit_off = spec[0] * btf.size_of(root_id) * 8
    cur, member, path = root_id, None, []
    for idx in spec[1:]:
        t = btf.resolve(cur)
        if t.kind in (B.KIND_STRUCT, B.KIND_UNION):
            if idx >= len(t.members):
                raise LinkError(f"CO-RE access {':'.join(map(str, spec))} has no member {idx} "
                                f"in {btf.type_name(cur)}")
            member = t.members[idx]
            path.append(member.name)
            bit_off += member.bit_offset
            cur = member.type
        elif t.kind == B.KIND_ARRAY:
            path.append(idx)
            bit_off += idx * btf.size_of(t.elem_type) * 8
            member = None
            cur = t.elem_type
        else:
            raise LinkError(f"CO-RE access {':'.join(map(str, spec))} goes through "
                            f"{btf.type_name(cur)}, which has no members")
    return root, path, bit_off, member, cur


def resolve(btf, relo, targets=None) -> _Resolved:
    """The value a relocation asks for, against pybpf's kernel model."""
    targets = target_types() if targets is None else targets
    spec = [int(x) for x in relo.access.split(":") if x != ""]
    root = btf.resolve(relo.type_id)
    name = essential_name(root.name)
    modeled = root.kind in (B.KIND_STRUCT, B.KIND_UNION) and name in targets
    kind = relo.kind
    if kind in (TYPE_ID_LOCAL, TYPE_ID_TARGET):
        return _Resolved(relo.type_id)   # pybpf's kernel has no BTF ids of its own
    if kind in (TYPE_EXISTS, TYPE_MATCHES):
        return _Resolved(1)
    if kind == TYPE_SIZE:
        return _Resolved(targets[name][0] if modeled else btf.size_of(relo.type_id))
    if kind in (ENUMVAL_EXISTS, ENUMVAL_VALUE):
        if root.kind not in (B.KIND_ENUM, B.KIND_ENUM64) or not spec or spec[0] >= len(root.members):
            raise LinkError(f"CO-RE enum relocation on {btf.type_name(relo.type_id)} "
                            f"(access {relo.access}) names no enumerator")
        return _Resolved(1 if kind == ENUMVAL_EXISTS else root.members[spec[0]].value)
    if kind not in _FIELD_KINDS:
        raise LinkError(f"unknown CO-RE relocation kind {kind}")
    _root, path, bit_off, member, leaf = _local_field(btf, relo.type_id, spec)
    if modeled:
        size_all, fields = targets[name]
        where = f"{name}.{'.'.join(map(str, path))}"
        field = fields.get(path[0]) if path and isinstance(path[0], str) else None
        if field is None or len(path) > 2 or (len(path) == 2 and not (
                isinstance(path[1], int) and field.count > 1 and path[1] < field.count)):
            if kind == FIELD_EXISTS:
                return _Resolved(0)
            return _Resolved(None, f"field {where} does not exist in the kernel pybpf models")
        offset = field.offset + (path[1] * field.size if len(path) == 2 else 0)
        size = field.size if (len(path) == 2 or field.count == 1) else field.size * field.count
        values = {FIELD_BYTE_OFFSET: offset, FIELD_BYTE_SIZE: size, FIELD_EXISTS: 1,
                  FIELD_SIGNED: 0, FIELD_LSHIFT_U64: 64 - size * 8, FIELD_RSHIFT_U64: 64 - size * 8}
        return _Resolved(values[kind])
    # not a kernel type pybpf models: the program's own layout is the target
    if kind == FIELD_EXISTS:
        return _Resolved(1)
    if member is not None and member.bitfield_size:
        bits = member.bitfield_size
        load = btf.size_of(member.type)
        start = (bit_off // (load * 8)) * load
        values = {FIELD_BYTE_OFFSET: start, FIELD_BYTE_SIZE: load,
                  FIELD_SIGNED: int(btf.resolve(member.type).signed),
                  FIELD_LSHIFT_U64: 64 - (bit_off - start * 8 + bits), FIELD_RSHIFT_U64: 64 - bits}
        return _Resolved(values[kind])
    size = btf.size_of(leaf)
    values = {FIELD_BYTE_OFFSET: bit_off // 8, FIELD_BYTE_SIZE: size,
              FIELD_SIGNED: int(btf.resolve(leaf).signed), FIELD_LSHIFT_U64: 64 - size * 8,
              FIELD_RSHIFT_U64: 64 - size * 8}
    return _Resolved(values[kind])


def apply(btf, insns: list, relos: list, where: str) -> tuple[list, dict[int, str]]:
    """``insns`` with every CO-RE relocation applied, and the poisoned slots with the reason."""
    if not relos:
        return insns, {}
    if btf is None:
        raise LinkError(f"{where}: CO-RE relocations but no BTF in the object")
    index_of, slot = {}, 0
    for i, insn in enumerate(insns):
        index_of[slot] = i
        slot += insn.width
    insns = list(insns)
    poisoned: dict[int, str] = {}
    targets = target_types()
    for relo in relos:
        i = index_of.get(relo.slot)
        if i is None:
            raise LinkError(f"{where}: CO-RE relocation at slot {relo.slot}, which starts no "
                            f"instruction")
        insn = insns[i]
        got = resolve(btf, relo, targets)
        what = f"{relo.kind_name} of {btf.type_name(relo.type_id)} (access {relo.access})"
        if got.value is None:
            if insn.opcode == o.LDDW:
                raise LinkError(f"{where}: insn {relo.slot}: CO-RE relocation failed: {got.why} "
                                f"({what})")
            poisoned[relo.slot] = f"CO-RE relocation failed: {got.why} ({what})"
            insns[i] = Insn(o.BPF_JMP | o.BPF_CALL, imm=POISON_HELPER)
            continue
        cls = insn.opcode & 0x07
        if insn.opcode == o.LDDW:
            insns[i] = replace(insn, imm=got.value)
        elif cls in (o.BPF_ALU, o.BPF_ALU64) and not insn.opcode & o.BPF_X:
            if not -(1 << 31) <= got.value < (1 << 32):
                raise LinkError(f"{where}: insn {relo.slot}: {what} = {got.value} does not fit "
                                f"the instruction's immediate")
            insns[i] = replace(insn, imm=got.value - (1 << 32) if got.value >= 1 << 31 else got.value)
        elif cls in (o.BPF_LDX, o.BPF_ST, o.BPF_STX) and relo.kind == FIELD_BYTE_OFFSET:
            if not -(1 << 15) <= got.value < (1 << 15):
                raise LinkError(f"{where}: insn {relo.slot}: field offset {got.value} does not "
                                f"fit the instruction")
            insns[i] = replace(insn, off=got.value)
        else:
            raise LinkError(f"{where}: insn {relo.slot}: cannot apply the CO-RE relocation "
                            f"{what} to this instruction (opcode 0x{insn.opcode:02x})")
    return insns, poisoned
