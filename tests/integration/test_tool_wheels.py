"""pip and uv straight from their wheels (`cnb_python.tool_wheels`), against an index on
127.0.0.1.

The index serves pip's and uv's real wheels (fetched once from the package registry) and a
one-module `tinypkg` for the app, so the whole build, the tool bootstrap included, talks to
it. What is checked: the wheel is unpacked without running an installer and works; a wheel
whose sha256 the pins do not list is refused before the pip layer exists, whether the page
says its sha256 or not; a page without sha256 falls back to running pip, which still requires
the pinned hashes, and for a uv app that is the runtime's bundled pip: no pip layer is made.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnb_python import pins
from tests.support.devbuild import DevApp, DevApps
from tests.support.httpserver import FaultyServer
from tests.support.wheels import tiny_wheel

SERIES = f"{sys.version_info.major}.{sys.version_info.minor}"
PIN = pins.pin_for("pip", SERIES)
WHEEL = f"pip-{PIN.version}-py3-none-any.whl"
UV_PIN = pins.pin_for("uv", SERIES)
NOT_PINNED = f"ERROR: The pip {PIN.version} wheel offered is not the one the buildpack pins"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(requirement: str, into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "--disable-pip-version-check", "-q", "-d", into, requirement],
        check=True,
    )  # fmt: skip
    (wheel,) = into.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def real_pip_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheel = _download(PIN.requirement, tmp_path_factory.mktemp("pip-wheel"))
    assert wheel.name == WHEEL
    assert _sha256(wheel) in PIN.sha256
    return wheel


@pytest.fixture(scope="module")
def real_uv_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheel = _download(UV_PIN.requirement, tmp_path_factory.mktemp("uv-wheel"))
    assert _sha256(wheel) in UV_PIN.sha256
    return wheel


@pytest.fixture(scope="module")
def index(
    real_pip_wheel: Path, real_uv_wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FaultyServer]:
    """`/good/` lists the real wheels with their sha256, `/bare/` without; `/altered/` and
    `/altered-bare/` list a pip wheel with one more file, so other bytes, with and without."""
    root = tmp_path_factory.mktemp("index")
    (root / "files").mkdir()
    real = root / "files" / WHEEL
    real.write_bytes(real_pip_wheel.read_bytes())
    altered_dir = root / "files" / "altered"
    altered_dir.mkdir()
    altered = altered_dir / WHEEL
    altered.write_bytes(real.read_bytes())
    with zipfile.ZipFile(altered, "a") as archive:
        archive.writestr("pip/_injected.py", "print('not pip')\n")
    tiny = tiny_wheel(root / "files", "hello")
    uv = root / "files" / real_uv_wheel.name
    uv.write_bytes(real_uv_wheel.read_bytes())
    for name, wheel, with_hash in (
        ("good", real, True),
        ("bare", real, False),
        ("altered", altered, True),
        ("altered-bare", altered, False),
    ):
        for project, file in (("pip", wheel), ("tinypkg", tiny), ("uv", uv)):
            page = root / name / project / "index.html"
            page.parent.mkdir(parents=True)
            fragment = f"#sha256={_sha256(file)}" if with_hash or file == tiny else ""
            href = f"../../{file.relative_to(root)}{fragment}"
            page.write_text(f'<html><body><a href="{href}">{file.name}</a></body></html>\n')
    with FaultyServer(root) as server:
        yield server


def _app(dev_app: DevApps, index: FaultyServer, listing: str) -> DevApp:
    app = dev_app("pip_basic", env={"PIP_INDEX_URL": f"{index.base_url}/{listing}/"})
    (app.app / "requirements.txt").write_text("tinypkg==1.0\n")
    return app


def test_pip_is_unpacked_from_its_wheel_and_works(dev_app: DevApps, index: FaultyServer) -> None:
    app = _app(dev_app, index, "good")
    index.reset_counts()
    app.build()
    lines = app.log.splitlines()
    step = lines.index(f"- Installing pip {PIN.version}")
    assert lines[step + 1] == f"  Installed {WHEEL} from the package index, sha256 verified"
    assert "Running 'pip install pip==" not in app.log
    assert index.count(f"/files/{WHEEL}") == 1
    layer = app.cache_dir / "pip"
    series = f"{sys.version_info.major}.{sys.version_info.minor}"
    dist_info = layer / "lib" / f"python{series}" / "site-packages" / f"pip-{PIN.version}.dist-info"
    assert (dist_info / "INSTALLER").read_text() == "cnb-python\n"
    assert "pip/__init__.py" in (dist_info / "RECORD").read_text()
    # The console script runs the runtime's interpreter, as pip's own install would write it
    # (through `/bin/sh` when the path is too long for a shebang line).
    head = "\n".join((layer / "bin" / "pip").read_text().splitlines()[:2])
    assert f"{app.layers_dir}/python/bin/python" in head, head
    done = app.run(["python", "-c", "import tinypkg; print(tinypkg.GREETING)"])
    assert done.stdout.strip() == "hello", done.stderr


@pytest.mark.parametrize("listing", ["altered", "altered-bare"])
def test_a_wheel_the_pins_do_not_list_is_never_installed(
    dev_app: DevApps, index: FaultyServer, listing: str
) -> None:
    app = _app(dev_app, index, listing)
    result = app.build(check=False)
    assert result.returncode == 1, result.log
    assert "Traceback" not in result.log
    if listing == "altered":
        # Refused from the page, before the file is fetched.
        block = result.log[result.log.index(NOT_PINNED) :]
        digest = _sha256(Path(index.root) / "files" / "altered" / WHEEL)
        assert f"offers {WHEEL} with sha256 {digest}, which is none of the sha256" in block
        assert "cnb_python/pins/pip.txt" in block
    else:
        # No sha256 on the page: pip runs, in hash-checking mode, and refuses the file.
        assert "Installing it with pip: " in result.log
        assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.log
        assert f"ERROR: Unable to install pip {PIN.version}" in result.log
    assert not (app.cache_dir / "pip.toml").exists()
    assert not (app.layers_dir / "pip.toml").exists()


def test_a_page_without_sha256_falls_back_to_pip_with_the_pinned_hashes(
    dev_app: DevApps, index: FaultyServer
) -> None:
    app = _app(dev_app, index, "bare")
    app.build()
    page = f"{index.base_url}/bare/pip/"
    assert f"  Installing it with pip: {page} gives no sha256 for {WHEEL}" in app.log
    assert f"Running 'pip install {PIN.requirement}'" in app.log
    done = app.run(["python", "-c", "import tinypkg; print(tinypkg.GREETING)"])
    assert done.stdout.strip() == "hello", done.stderr


def test_a_uv_app_gets_uv_from_the_bundled_pip_when_it_must_and_no_pip_layer(
    dev_app: DevApps, index: FaultyServer, real_uv_wheel: Path
) -> None:
    listing = f"{index.base_url}/bare/"
    app = dev_app(
        "pip_basic",
        env={"BP_PYTHON_INSTALLER": "uv", "PIP_INDEX_URL": listing, "UV_DEFAULT_INDEX": listing},
    )
    (app.app / "requirements.txt").write_text("tinypkg==1.0\n")
    app.build()
    assert f"  Installing it with pip: {listing}uv/ gives no sha256 for {real_uv_wheel.name}" in (
        app.log
    )
    assert f"Running 'pip install {UV_PIN.requirement}'" in app.log
    # pip ran from the runtime's ensurepip wheel; the build made no pip layer.
    assert "Installing pip" not in app.log
    assert not (app.cache_dir / "pip").exists()
    assert not (app.cache_dir / "pip.toml").exists()
    assert (app.cache_dir / "uv" / "bin" / "uv").is_file()
    done = app.run(["python", "-c", "import tinypkg; print(tinypkg.GREETING)"])
    assert done.stdout.strip() == "hello", done.stderr
