"""The packaged tree, file by file where the size or the start-up cost is decided: the vendored
zstandard without its unloadable cffi backend (still extracting `.tar.zst` with the bundled
interpreter), and detect importing next to nothing under the bundled interpreter.

Reuses test_package.py's `packaged` fixture (one package for this module).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest
import zstandard

from cnb_python.detect import PLAN_TOML
from tests.contract.test_detect_imports import DETECT_MODULES, imported
from tests.integration import test_package

pytestmark = pytest.mark.network

Packaged = test_package.Packaged
# The fixtures, re-bound here so that pytest finds them in this module.
runtime_catalog = test_package.runtime_catalog
packaged = test_package.packaged


def bundled_python(root: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` with the package's interpreter and import path, as bin/_boot.py sets it up."""
    prelude = f"import sys; sys.path[0:0] = [{str(root)!r}, {str(root / 'vendor')!r}]\n"
    return subprocess.run(
        [str(root / "runtime" / "bin" / "python3"), "-I", "-B", "-c", prelude + code],
        cwd=cwd,
        # A shared libpython without an rpath (the test archives) is found as bin/_phase.sh
        # finds it.
        env={"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(root / "runtime" / "lib")},
        capture_output=True,
        text=True,
        check=False,
    )


def test_vendored_zstandard_has_only_its_c_backend(packaged: Packaged) -> None:
    names = {path.name for path in (packaged.path / "vendor" / "zstandard").iterdir()}
    assert not [name for name in names if "cffi" in name]
    assert [name for name in names if name.startswith("backend_c.") and name.endswith(".so")]


def test_bundled_interpreter_extracts_tar_zst_with_the_c_backend(
    packaged: Packaged, tmp_path: Path
) -> None:
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w") as tar:
        info = tarfile.TarInfo("python/bin/hello.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
    archive = tmp_path / "runtime.tar.zst"
    archive.write_bytes(zstandard.ZstdCompressor().compress(payload.getvalue()))
    dest = tmp_path / "dest"
    dest.mkdir()
    code = (
        "from pathlib import Path\n"
        "import zstandard\n"
        "from cnb_python.archive import extract\n"
        f"done = extract(Path({str(archive)!r}), Path({str(dest)!r}), fmt='tar.zst',"
        " strip_components=1)\n"
        "print(zstandard.backend, done.files)\n"
    )

    done = bundled_python(packaged.path, code, tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["cext", "1"]
    assert (dest / "bin" / "hello.txt").read_text() == "hello\n"


def test_packaged_detect_imports_only_its_own_modules(packaged: Packaged, tmp_path: Path) -> None:
    root = packaged.path
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("")
    (tmp_path / "platform" / "env").mkdir(parents=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "LD_LIBRARY_PATH": str(root / "runtime" / "lib"),
        "CNB_BUILDPACK_DIR": str(root),
        "CNB_PLATFORM_DIR": str(tmp_path / "platform"),
        "CNB_BUILD_PLAN_PATH": str(tmp_path / "plan.toml"),
    }
    python = str(root / "runtime" / "bin" / "python3")

    code, modules = imported([python, str(root / "bin" / "_boot.py"), "", "detect"], app, env)
    _, baseline = imported([python, "-c", "import os"], app, env)

    assert code == 0
    assert "cnb_python.detect" in modules
    assert set(modules) - set(baseline) <= DETECT_MODULES
    assert (tmp_path / "plan.toml").read_text() == PLAN_TOML
