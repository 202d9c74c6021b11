"""The failures people meet most, each from a real failing install against the index: a
package that needs a header the build image lacks, a package the index does not have, hashes
that do not match or are missing. (Stale locks of uv, Poetry and Pipenv: test_locked_apps.)"""

from __future__ import annotations

import pytest

from tests.support.devbuild import DevApp, DevApps

pytestmark = pytest.mark.network

SIX_SHA256 = "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"


def error_block(app: DevApp) -> list[str]:
    lines = app.log.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ERROR: "))
    end = next(i for i, line in enumerate(lines) if line.startswith("ERROR: The build failed"))
    return [line for line in lines[start:end] if line.strip()]


def failing(app: DevApp, requirements: str, env: dict[str, str] | None = None) -> list[str]:
    (app.app / "requirements.txt").write_text(requirements)
    result = app.build(check=False, env=env)
    assert result.returncode == 1, result.log
    assert "Traceback" not in app.log
    return error_block(app)


def test_the_common_install_failures_are_named_with_the_fix(dev_app: DevApps) -> None:
    app = dev_app("pip_failures")
    # A package built from source whose header is missing; the index is asked whether a
    # release of it has a wheel (pysqlite3 >= 0.6 has).
    block = failing(app, "./vendor/pysqlite3-src\n")
    assert "fatal error: cnb_python_missing_header.h: No such file or directory" in app.log
    version = block[1].split("and Python ")[1].split(",")[0]
    major, minor = (int(part) for part in version.split(".")[:2])
    wheels = block[3].removeprefix("  Versions with a wheel on the index: ").split(", ")
    newest = wheels[0].split()[0]
    assert wheels[0] == f"{newest} for Python {major}.{minor}"
    assert newest >= "0.6"
    assert block == [
        "ERROR: Unable to build pysqlite3: the header file cnb_python_missing_header.h is missing",
        f"  pysqlite3 has no wheel for this platform and Python {version}, so pip built it "
        "from source, which needs the header file cnb_python_missing_header.h: the build "
        "image does not have it.",
        "  pip exited with status 1; its output above has the details.",
        block[3],
        "  How to fix:",
        f"  - Use a version of pysqlite3 that has a wheel (e.g. pysqlite3=={newest} for Python "
        f"{major}.{minor}); if only another Python has one, choose that Python in "
        ".python-version.",
        "  - Or give the build image the header file cnb_python_missing_header.h: use a builder "
        "whose build image has it, or add a buildpack before this one that installs system "
        "packages (an apt buildpack with an Aptfile), or build your own build image with it "
        "(`RUN apt-get install -y <package>`).",
        "  - Packages needed at run time too (a shared library the extension links to) must "
        "also be in the run image.",
    ]

    # The same with uv, which a uv build (no pip layer) also asks for the wheels.
    block = failing(app, "./vendor/pysqlite3-src\n", env={"BP_PYTHON_INSTALLER": "uv"})
    assert block[0] == (
        "ERROR: Unable to build pysqlite3: the header file cnb_python_missing_header.h is missing"
    ), block
    uv_wheels = block[3].removeprefix("  Versions with a wheel on the index: ").split(", ")
    assert uv_wheels == wheels, block
    assert f"(e.g. pysqlite3=={newest} for Python {major}.{minor})" in block[5], block

    # A package the index does not have, with pip and with uv.
    missing = "cnb-python-no-such-package-15==1.0"
    assert failing(app, f"{missing}\n") == [
        f"ERROR: Package not found on the index: {missing}",
        f"  The package index has no release matching {missing!r}.",
        "  It offers no version of it at all (the name may be misspelled).",
        "  pip exited with status 1; its output above has the details.",
        "  How to fix:",
        "  - Check the name and version in requirements.txt: a misspelling, a version that was "
        "never released or was yanked, or one that requires another Python (pip lists those "
        "as ignored above).",
        "  - If the package lives on a private index, point the build at it (PIP_INDEX_URL or "
        "PIP_EXTRA_INDEX_URL, UV_INDEX, Poetry's source) with its credentials in the platform "
        "env.",
    ]
    block = failing(app, f"{missing}\n", env={"BP_PYTHON_INSTALLER": "uv"})
    assert block[0] == "ERROR: Package not found on the index: cnb-python-no-such-package-15"
    assert block[2] == "  uv exited with status 1; its output above has the details."

    # A version that does not exist: pip lists the ones that do.
    block = failing(app, "six==0.0.99\n")
    assert block[0] == "ERROR: Package not found on the index: six==0.0.99"
    assert block[2].startswith("  Versions it offers (newest 10): ")
    assert block[2].endswith(", 1.16.0, 1.17.0.")

    # Hashes that do not match what the index serves, and hashes required but missing.
    assert failing(app, f"six==1.17.0 --hash=sha256:{'0' * 64}\n")[:4] == [
        "ERROR: Downloaded packages do not match the hashes in the lock or requirements",
        "  The files the index served have other hashes than requirements.txt lists: six==1.17.0.",
        "  pip exited with status 1; its output above has the details.",
        "  How to fix:",
    ]
    assert failing(app, f"six==1.17.0 --hash=sha256:{SIX_SHA256}\nidna==3.10\n") == [
        "ERROR: Some requirements have no hash, and hash-checking mode is on",
        "  requirements.txt uses hashes (or --require-hashes), so every requirement, "
        "dependencies included, needs a pinned version and a --hash.",
        "  pip exited with status 1; its output above has the details.",
        "  How to fix:",
        "  - Regenerate the file with hashes for everything, e.g. `pip-compile "
        "--generate-hashes` or `uv pip compile --generate-hashes`, and commit it.",
    ]
