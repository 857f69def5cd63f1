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
    """A function decorated with cache=True picks its cache locator when it is defined."""
    import re
    for path in PKG.rglob("*.py"):
        text = path.read_text()
        m = re.search(r"^(from numba|import numba)", text, re.M)
        if m is None or path.name == "_jitcache.py":
            continue
        assert "_jitcache" in text[:m.start()], path


def test_importing_pybpf_does_not_import_numba():
    import subprocess
    import sys
    code = ("import sys, pybpf, pybpf.errors, pybpf.pytest_plugin; "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
