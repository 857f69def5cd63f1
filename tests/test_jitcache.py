"""The Numba cache key covers exactly what compiled code can depend on."""

from pybpf import _jitcache


def names():
    return {str(p.relative_to(_jitcache.PACKAGE)) for p in _jitcache.compiled_sources()}


def test_compiled_sources_cover_numba_modules_and_their_imports():
    got = names()
    # modules with @njit code
    assert {"vm/codegen.py", "vm/machine.py", "maps/hash.py", "isa/semantics.py",
            "helpers/hot.py", "contexts/xdp.py"} <= got
    # constants they freeze, imported without numba of their own
    assert {"vm/abi.py", "isa/opcodes.py", "maps/layout.py", "isa/table.py"} <= got


def test_pure_python_modules_do_not_invalidate_the_cache():
    got = names()
    assert not {"loader.py", "cli.py", "kernel.py", "pcap.py", "toolchain.py"} & got


def test_every_file_using_numba_is_covered():
    for path in _jitcache.PACKAGE.rglob("*.py"):
        if "numba" in path.read_text():
            assert path in _jitcache.compiled_sources(), path
