"""Reading clang-compiled BPF ELF objects and linking their programs."""

from .btf import BTF, BTFExt, BTFType, CoreRelo, FuncInfo, LineInfo, Member, parse_btf_ext
from .link import LinkedProgram, Subprogram, link_program
from .reader import read_object

__all__ = [
    "BTF", "BTFExt", "BTFType", "CoreRelo", "FuncInfo", "LineInfo", "Member", "parse_btf_ext",
    "LinkedProgram", "Subprogram", "link_program", "read_object",
]
