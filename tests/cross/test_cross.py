"""Each target: build the wheel (once), check its name/tag/suffix/binary, run the models on target."""
import os
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from _crossenv import REPO, selected_targets
from slim import binfmt
from slim import build as B
from slim import targets as T

TARGETS = selected_targets()
IDS = [t.name for t in TARGETS]
EXPECTED_NAMES = {
    "linux-x86_64": "slimrt-0.1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    "linux-aarch64": "slimrt-0.1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
    "linux-armv7": "slimrt-0.1.0-cp311-cp311-manylinux_2_17_armv7l.whl",
    "win32": "slimrt-0.1.0-cp311-cp311-win32.whl",
    "win_amd64": "slimrt-0.1.0-cp311-cp311-win_amd64.whl",
}
EXPECTED_EXT = {
    "linux-x86_64": "_slimrt.cpython-311-x86_64-linux-gnu.so",
    "linux-aarch64": "_slimrt.cpython-311-aarch64-linux-gnu.so",
    "linux-armv7": "_slimrt.cpython-311-arm-linux-gnueabihf.so",
    "win32": "_slimrt.cp311-win32.pyd",
    "win_amd64": "_slimrt.cp311-win_amd64.pyd",
}


READELF_MACHINE = {"x86_64": "X86-64", "aarch64": "AArch64", "arm": "ARM"}


def test_table_covers_the_five_targets():
    assert sorted(T.TARGETS) == sorted(EXPECTED_NAMES)


def test_generated_toolchains_match_the_table():
    stale = B.write_toolchains(REPO, check=True)
    assert not stale, "run `slim build --write-toolchains`: %s" % stale


@pytest.mark.parametrize("t", TARGETS, ids=IDS)
def test_wheel_name_tag_and_suffix(t, built):
    whl = built(t)
    assert whl.name == EXPECTED_NAMES[t.name]
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        exts = [n for n in names if n.startswith("slimrt/_slimrt")]
        assert exts == ["slimrt/" + EXPECTED_EXT[t.name]]
        wheel = z.read("slimrt-0.1.0.dist-info/WHEEL").decode()
    assert "Tag: %s\n" % t.wheel_tag in wheel
    assert "Root-Is-Purelib: false" in wheel
    assert whl.stat().st_size <= 500 * 1024, "%s is %d bytes" % (whl.name, whl.stat().st_size)


@pytest.mark.parametrize("t", [t for t in TARGETS if t.binary_format == "elf"], ids=lambda t: t.name)
def test_linux_wheel_manylinux_policy(t, built):
    whl = built(t)
    out = " ".join(B.auditwheel_show(whl).split())
    arch = t.platform_tag.split("_", 3)[-1]
    assert 'is consistent with the following platform tag: "manylinux_2_17_%s"' % arch in out, out
    with tempfile.TemporaryDirectory() as d:
        with zipfile.ZipFile(whl) as z:
            so = z.extract("slimrt/" + EXPECTED_EXT[t.name], d)
        assert B.elf_machine(so) == t.machine
        # independent reader: binutils' readelf names the same machine
        if __import__("shutil").which("readelf"):
            hdr = subprocess.run(["readelf", "-h", so], stdout=subprocess.PIPE, text=True).stdout
            assert READELF_MACHINE[t.machine] in hdr


@pytest.mark.parametrize("t", [t for t in TARGETS if t.is_windows], ids=lambda t: t.name)
def test_windows_pyd_imports_only_python_and_system_dlls(t, built, paths):
    whl = built(t)
    dll = paths.sysroot(t) / T.WINPYTHON_DIR / t.python_dll
    with binfmt.PE(dll) as f:
        exported = f.exports()
    with tempfile.TemporaryDirectory() as d:
        with zipfile.ZipFile(whl) as z:
            z.extract("slimrt/" + EXPECTED_EXT[t.name], d)
        pyd = Path(d) / "slimrt" / EXPECTED_EXT[t.name]
        with binfmt.PE(pyd) as f:
            assert f.machine == t.machine and f.is_dll
            imports = {k.lower(): v for k, v in f.imports().items()}
            pyd_exports = f.exports()
        assert "python311.dll" in imports
        stray = [k for k in imports if k != "python311.dll" and not B.is_system_dll(k)]
        assert not stray, "stray DLL imports: %s" % stray
        for bad in ("libstdc++-6.dll", "libwinpthread-1.dll", "libgcc_s_seh-1.dll", "libgcc_s_dw2-1.dll",
                    "libc++.dll", "vcruntime140.dll", "msvcp140.dll"):
            assert bad not in imports
        missing = [s for s in imports["python311.dll"] if s not in exported]
        assert not missing, "not exported by the real python311.dll: %s" % missing
        assert "PyInit__slimrt" in pyd_exports
        # the data symbols must be imported as data (through __imp_), e.g. the exception types
        assert any(exported.get(s) == "data" for s in imports["python311.dll"])
        assert B.check_pe(t, pyd, dll) == []
    runner = paths.runner(t)
    assert runner.exists()
    assert B.check_pe(t, runner, None, module=False) == []


def test_pe_reader_against_the_real_python_dll(paths):
    dll = B.prepare_sysroot(T.get("win_amd64"), paths) / T.WINPYTHON_DIR / "python311.dll"
    with binfmt.PE(dll) as f:
        e = f.exports()
        assert f.machine == "x86_64" and f.is_dll
    assert e["Py_Initialize"] == "code" and e["PyExc_TypeError"] == "data" and e["_Py_NoneStruct"] == "data"
    assert len(e) > 1500


@pytest.mark.parametrize("t", TARGETS, ids=IDS)
def test_smoke_on_target_matches_native(t, built, session, paths):
    """The four shared models on the target (its CPython, or slimrt-run for win32) vs native x86_64."""
    whl = built(t)
    problems = session.smoke(t, whl, B.model_paths(paths))
    assert not problems, "\n".join(problems)


def test_runner_matches_python_natively(built, session, paths):
    """slimrt-run (what proves win32) agrees with the Python module on the reference target."""
    t = T.get(T.REFERENCE)
    built(t)
    r = B.runner_for(t, paths)
    for model in B.model_paths(paths):
        ref = session.reference(model)
        with tempfile.TemporaryDirectory() as d:
            inputs = B.make_inputs(ref.info, Path(d))
            got, err = B.run_slimrt_run(r, paths.runner(t), model, inputs, int(ref.info["n_outputs"]))
        assert err is None, err
        from slim.smoke import compare_outputs
        for a, b in zip(ref.outputs, got):  # same machine, same code: bit-identical
            assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), model.name
        assert compare_outputs(ref.outputs, got) is None


@pytest.mark.parametrize("t", [t for t in TARGETS if t.run == "wine"], ids=lambda t: t.name)
def test_wine_loader_reports_no_missing_imports(t, built, paths):
    """wine loads a DLL even when one of its imports is missing: read the loader's warnings."""
    whl = built(t)
    ot = B.runner_for(t, paths)
    ot.env["WINEDEBUG"] = "warn+module,err+module"
    with tempfile.TemporaryDirectory() as d:
        tree = ot.install(whl, Path(d) / "tree")
        if t.python_runs:
            code = "import sys; sys.path.insert(0, %r); import slimrt._slimrt as m; print('OK', m.__file__)" % \
                ot.map_path(str(tree))
            p = subprocess.run(ot.python + ["-I", "-S", "-c", code], input=b"", stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=ot.env, timeout=300)
        else:
            p = ot.run([ot.map_path(str(paths.runner(t))), "--help"])
    err = p.stderr.decode("utf-8", "replace")
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, err[-2000:]
    bad = [ln for ln in err.splitlines()
           if re.search(r"(err|warn):module:.*(not found|could not load|unimplemented|Library .* not found)",
                        ln, re.I)
           and re.search(r"slimrt|python311|_slimrt", ln, re.I)]
    assert not bad, "\n".join(bad[:20])
    if t.python_runs:
        assert "OK" in out


def test_all_targets_give_exactly_the_expected_wheels(built, paths):
    """Like cibuildwheel's integration tests: the exact set of wheel file names produced."""
    if len(TARGETS) != len(T.TARGETS):
        pytest.skip("only some targets selected")
    names = sorted(built(t).name for t in TARGETS)
    assert names == sorted(EXPECTED_NAMES.values())
    assert sorted(p.name for p in paths.dist.glob("slimrt-*.whl")) >= names


def test_static_pe_check_catches_stray_dlls(paths):
    """The check itself: a real CPython extension (_bz2.pyd, built by MSVC) imports VCRUNTIME140.dll."""
    t = T.get("win_amd64")
    root = B.prepare_sysroot(t, paths) / T.WINPYTHON_DIR
    problems = B.check_pe(t, root / "DLLs" / "_bz2.pyd", root / "python311.dll")
    assert any("VCRUNTIME140.dll" in p for p in problems), problems
    assert any("PyInit__slimrt" in p for p in problems), problems
    assert not any("does not export" in p and "python311" in p for p in problems)
    # and a 64-bit binary is not accepted as win32
    assert any("expected i386" in p for p in B.check_pe(T.get("win32"), root / "DLLs" / "_bz2.pyd", None))


@pytest.mark.skipif(not __import__("shutil").which("readelf"), reason="readelf (binutils) not installed")
@pytest.mark.skipif("linux-armv7" not in IDS, reason="linux-armv7 not selected")
def test_armv7_is_hard_float_with_neon(built):
    whl = built(T.get("linux-armv7"))
    with tempfile.TemporaryDirectory() as d:
        with zipfile.ZipFile(whl) as z:
            z.extract("slimrt/" + EXPECTED_EXT["linux-armv7"], d)
        so = str(Path(d) / "slimrt" / EXPECTED_EXT["linux-armv7"])
        attrs = subprocess.run(["readelf", "-A", so], stdout=subprocess.PIPE, text=True, check=True).stdout
        header = subprocess.run(["readelf", "-h", so], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "Tag_CPU_arch: v7" in attrs and "Tag_Advanced_SIMD_arch: NEON" in attrs
    assert "Tag_ABI_VFP_args: VFP registers" in attrs and "hard-float ABI" in header


def test_build_cli_table_and_json(built, paths, tmp_path):
    """`slim build` as `make wheels` runs it: the table, exit code 0, a JSON report that parses."""
    import json
    import sys
    t = T.get(T.REFERENCE)
    built(t)                    # reuse the session's build tree
    rep = tmp_path / "build.json"
    env = dict(os.environ, PYTHONPATH=str(REPO / "slim"))
    p = subprocess.run([sys.executable, "-m", "slim", "build", "--target", t.name, "--no-smoke",
                        "--json", str(rep)], cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, p.stderr[-2000:]
    assert EXPECTED_NAMES[t.name] in p.stdout and "target" in p.stdout.splitlines()[0]
    rows = json.loads(rep.read_text())
    assert [r["target"] for r in rows] == [t.name] and rows[0]["status"] == "ok"
    assert rows[0]["wheel"] == EXPECTED_NAMES[t.name] and rows[0]["smoke"]["cell"] == "not run"
