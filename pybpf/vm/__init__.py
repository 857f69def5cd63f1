"""The virtual machine: tagged memory, pre-decoded code, the generated interpreter."""

from .machine import DEFAULT_BUDGET, TIERS, Machine, ProgramExit, current_tier
from .memory import Memory, Region
from .program import Code, build_code

__all__ = ["Code", "DEFAULT_BUDGET", "Machine", "Memory", "ProgramExit", "Region", "TIERS",
           "build_code", "current_tier"]
