"""The whole build log of a first build, a no-op rebuild and a one-change rebuild, pinned.

What the buildpack prints between the local platform's `[Building]` and `[Validating]`, as one
text block per build (as the Heroku CNB's tests pin theirs), so a changed, added or reordered
line fails here. Normalised: temporary paths, timings, sizes, the count of compiled stdlib
modules and what the runtime's own files removed (they vary by machine and interpreter),
and the output of the commands we run (pip's own lines, up to our next step line), which is
not ours to pin. The versions come from the test runtime and `cnb_python.pins`.
"""

from __future__ import annotations

import re

from cnb_python.pins import pin_for
from tests.support.devbuild import DevApp, DevApps

_OURS = re.compile(r"^(\[|- |WARNING|ERROR|  Compiled bytecode for )")


def buildpack_log(app: DevApp, archive_url: str) -> str:
    log = app.log
    section = log[log.index("[Building]\n") : log.index("[Validating]")]
    section = section.replace(archive_url, "<archive>").replace(str(app.work), "<work>")
    lines: list[str] = []
    in_command = False
    for line in section.splitlines():
        if _OURS.match(line):
            in_command = False
        elif in_command:
            continue  # the command's own output
        if line.startswith("  Running '"):
            in_command = True
        lines.append(line)
    text = "\n".join(lines).strip() + "\n"
    text = re.sub(r"\d+(\.\d+)? MiB in \d+\.\d+s", "<size> MiB in <t>s", text)
    text = re.sub(r"ready in \d+\.\d+s", "ready in <t>s", text)
    text = re.sub(r"bytecode for \d+ (standard|module)", r"bytecode for <n> \1", text)
    return re.sub(
        r"Removed \d+ files no app run needs \([\d.]+ MiB", "Removed <n> files (<m>", text
    )


def test_first_build_no_op_rebuild_and_one_change_rebuild_logs(dev_app: DevApps) -> None:
    app = dev_app("pip_basic")
    archive = dev_app.archives.get()
    version, series = archive.version, archive.series
    url = archive.path.as_uri()
    pip = pin_for("pip", version).version
    (app.app / ".python-version").write_text(f"{series}\n")
    pip_install = "  Running 'pip install -r requirements.txt'"
    bootstrap = f"  Installed pip-{pip}-py3-none-any.whl from the package index, sha256 verified"
    head = f"""\
[Building]

[Determining the Python version]
- Python {version} (from .python-version: {series}) for ubuntu-24.04 amd64
- Package manager: pip with requirements.txt (from requirements.txt)

[Installing Python]
"""
    tail = """
[Configuring how the app starts]
- Process web (default): python app.py
"""

    app.build()
    assert buildpack_log(app, url) == head + f"""\
- Downloading Python {version} from <archive>
  Downloaded <size> MiB in <t>s, sha256 verified
- Installing Python {version}
  Removed <n> files (<m>: test suites, static libpython, optimised-level pycs)

[Installing dependencies]
- Installing pip {pip}
{bootstrap}
- Creating virtual environment
{pip_install}
  Compiled bytecode for <n> modules
  Compiled bytecode for <n> standard library modules
- Dependencies ready in <t>s
""" + tail  # fmt: skip

    app.rebuild()
    assert buildpack_log(app, url) == head + f"""\
- Using cached Python {version}

[Installing dependencies]
- Using cached pip download and wheel cache
- Using cached pip {pip}
- Using cached virtual environment
- Dependencies ready in <t>s
""" + tail  # fmt: skip

    # idna removed: pip uninstalls it from the reused venv (`managers.pip_sync`).
    (app.app / "requirements.txt").write_text("six==1.17.0\n")
    app.rebuild()
    assert buildpack_log(app, url) == head + f"""\
- Using cached Python {version}

[Installing dependencies]
- Using cached pip download and wheel cache
- Using cached pip {pip}
- Using cached virtual environment
- Updating the virtual environment in place: requirements.txt changed
  Removing what the requirements no longer need: idna
  Running 'pip uninstall --yes idna'
- Dependencies ready in <t>s
""" + tail  # fmt: skip
