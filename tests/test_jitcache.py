"""The Numba cache key of a file covers exactly what its compiled code can depend on."""

from pathlib import Path

from pybpf import _jitcache
from pybpf.vm import codegen

PKG = _jitcache.PACKAGE


def rel(paths):
    return {str(p.relative_to(PKG)) if PKG in p.parents else p.name for p in paths}


def test_closure_follows_imports_transitively():
    got = rel(_jitcache._closure(PKG / "maps" / "ops.py"))
    assert {"maps/ops.py", "maps/hash.py", "maps/layout.py"} <= got


def test_interpreter_key_covers_what_it_calls_and_nothing_pure_python():
    source = codegen.interpreter_source()
    got = rel(_jitcache._closure(Path("/nonexistent/pybpf_interp.py"), source))
    assert {"isa/semantics.py", "vm/ctxaccess.py", "helpers/maphelpers.py", "helpers/hot.py",
            "vm/abi.py", "maps/layout.py"} <= got
    assert not {"loader.py", "cli.py", "kernel.py", "helpers/__init__.py", "helpers/events.py",
                "contexts/xdp.py"} & got


def test_machine_does_not_import_the_python_helper_table_statically():
    got = rel(_jitcache._closure(PKG / "vm" / "machine.py"))
    assert "helpers/hotset.py" in got and "helpers/__init__.py" not in got


def test_fingerprint_changes_with_an_imported_file(tmp_path, monkeypatch):
    text = "from pybpf.vm import abi\n"
    monkeypatch.setattr(_jitcache, "_BYTES", {})
    before = _jitcache.fingerprint(tmp_path / "x.py", text=text)
    assert before == _jitcache.fingerprint(tmp_path / "x.py", text=text)
    abi_file = PKG / "vm" / "abi.py"
    real = Path.read_bytes

    def edited(self):
        data = real(self)
        return data + b"# edited\n" if self == abi_file else data
    monkeypatch.setattr(Path, "read_bytes", edited)
    monkeypatch.setattr(_jitcache, "_BYTES", {})
    assert _jitcache.fingerprint(tmp_path / "x.py", text=text) != before


def test_every_file_using_numba_is_covered():
    covered = _jitcache.compiled_sources()
    for path in PKG.rglob("*.py"):
        if "numba" in path.read_text():
            assert path in covered, path


def test_the_import_scan_finds_what_the_parser_finds():
    for path in PKG.rglob("*.py"):
        text = path.read_text()
        package = _jitcache._package_of(path)
        assert set(_jitcache._pybpf_imports(text, package)) >= \
            set(_jitcache._ast_imports(text, package)), path


def test_every_compiling_module_installs_the_cache_locator_first():
    """A module that imports Numba at its top level imports pybpf._jitcache before (whose
    load_numba installs the cache locator before any dispatcher is made)."""
    import ast
    for path in PKG.rglob("*.py"):
        if path.name == "_jitcache.py":
            continue
        tree = ast.parse(path.read_text())
        lines = [node.lineno for node in tree.body
                 if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numba"
                 or isinstance(node, ast.Import) and any(a.name.split(".")[0] == "numba"
                                                         for a in node.names)]
        if not lines:
            continue
        first = min(lines)
        assert any(isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno < first
                   and "_jitcache" in ast.unparse(node) for node in tree.body), path


def test_njit_functions_are_placeholders_until_numba_is_loaded():
    """Importing the modules a warm ``pybpf run`` needs loads no Numba: their compiled
    functions are Lazy placeholders, which load Numba when called (then every placeholder
    in pybpf's modules is replaced by its dispatcher)."""
    import subprocess
    import sys
    code = ("import sys\n"
            "from pybpf import _jitcache, loader, batch, capture, cli\n"
            "import pybpf.maps.hash as h\n"
            "assert 'numba' not in sys.modules, 'imported'\n"
            "assert type(h._init) is _jitcache.Lazy and h._init.py_func.__name__ == '_init'\n"
            "assert h.lookup.__name__ == 'lookup' and 'numba' not in sys.modules\n"
            "import pybpf.maps.common as c\n"
            "from pybpf.maps.common import hash_bytes\n"
            "import numpy as np\n"
            "v = c.hash_bytes(np.frombuffer(b'abc', dtype=np.uint8), 0, 3)\n"
            "assert 'numba' in sys.modules and type(c.hash_bytes) is not _jitcache.Lazy\n"
            "assert type(h._init) is not _jitcache.Lazy and not _jitcache._PENDING\n"
            "assert hash_bytes(np.frombuffer(b'abc', dtype=np.uint8), 0, 3) == v\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_importing_pybpf_does_not_import_numba():
    import subprocess
    import sys
    code = ("import sys, pybpf, pybpf.errors, pybpf.pytest_plugin; "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
