"""The `[Installing dependencies]` block of a first and a no-op build for each manager, whole.

What users read, as Heroku's logs show it: `Running 'pip install -r requirements.txt'`
rather than absolute layer paths (those only with BP_LOG_LEVEL=DEBUG), what Pipenv and Poetry
installed, and a uv no-op that neither prints a probe's error nor reinstalls anything.
Timings become `<time>` and the work directory `<work>`; everything else is pinned."""

from __future__ import annotations

import platform
import re

import pytest

from cnb_python.pins import pin_for
from tests.support.devbuild import DevApp, DevApps

# The default test runtime is this interpreter's version; its pins (cnb_python/pins/).
PIP, UV, POETRY, PIPENV = (
    pin_for(tool, platform.python_version()).version for tool in ("pip", "uv", "poetry", "pipenv")
)

pytestmark = pytest.mark.network


def block(app: DevApp) -> list[str]:
    section = app.log.split("[Installing dependencies]\n", 1)[1].split("\n[", 1)[0]
    section = section.replace(str(app.work), "<work>")
    section = re.sub(r"\bin \d+(?:\.\d+)?m?s\b", "in <time>", section)
    section = re.sub(r"for \d+ standard library", "for <n> standard library", section)
    section = re.sub(rf"uv-{re.escape(UV)}-py3-none-\S+\.whl", f"uv-{UV}-<platform>.whl", section)
    return [line for line in section.splitlines() if line.strip()]


FIRST = {
    "pip_basic": [
        f"- Installing pip {PIP}",
        f"  Installed pip-{PIP}-py3-none-any.whl from the package index, sha256 verified",
        "- Creating virtual environment",
        "  Running 'pip install -r requirements.txt'",
        "  Collecting six==1.17.0 (from -r requirements.txt (line 2))",
        "    Downloading six-1.17.0-py2.py3-none-any.whl (11 kB)",
        "  Collecting idna==3.10 (from -r requirements.txt (line 3))",
        "    Downloading idna-3.10-py3-none-any.whl (70 kB)",
        "  Installing collected packages: six, idna",
        "  Successfully installed idna-3.10 six-1.17.0",
        "  Compiled bytecode for 9 modules",
        "  Compiled bytecode for <n> standard library modules",
        "- Dependencies ready in <time>",
    ],
    "pipenv_basic": [
        f"- Installing pip {PIP}",
        f"  Installed pip-{PIP}-py3-none-any.whl from the package index, sha256 verified",
        f"- Installing pipenv {PIPENV}",
        f"  Running 'pip install pipenv=={PIPENV}'",
        "- Creating virtual environment",
        "  Running 'pipenv install --deploy'",
        "- Installed 2 packages: six, greeting",
        "  Compiled bytecode for 1 module",
        "  Compiled bytecode for <n> standard library modules",
        "- Dependencies ready in <time>",
    ],
    "poetry_basic": [
        f"- Installing pip {PIP}",
        f"  Installed pip-{PIP}-py3-none-any.whl from the package index, sha256 verified",
        f"- Installing poetry {POETRY}",
        f"  Running 'pip install poetry=={POETRY}'",
        "- Creating virtual environment",
        "  Running 'poetry sync --only main'",
        "  Installing dependencies from lock file",
        "  Package operations: 2 installs, 0 updates, 0 removals",
        "    - Installing six (1.17.0)",
        "    - Installing greeting (1.0 <work>/workspace/greeting)",
        "- Installed 2 packages: six, greeting",
        "  Compiled bytecode for 1 module",
        "  Compiled bytecode for <n> standard library modules",
        "- Dependencies ready in <time>",
    ],
    "uv_basic": [
        # No pip layer: uv comes from its wheel and installs the rest.
        f"- Installing uv {UV}",
        f"  Installed uv-{UV}-<platform>.whl from the package index, sha256 verified",
        "- Creating virtual environment",
        "  Running 'uv sync --locked --no-default-groups'",
        "  Resolved 3 packages in <time>",
        "  Prepared 1 package in <time>",
        "  Installed 1 package in <time>",
        "   + six==1.17.0",
        "  Compiled bytecode for 1 module",
        "  Compiled bytecode for <n> standard library modules",
        "- Dependencies ready in <time>",
    ],
}

NO_OP = {
    "pip_basic": [
        "- Using cached pip download and wheel cache",
        f"- Using cached pip {PIP}",
        "- Using cached virtual environment",
        "- Dependencies ready in <time>",
    ],
    "pipenv_basic": [
        "- Using cached pip download and wheel cache",
        f"- Using cached pip {PIP}",
        f"- Using cached pipenv {PIPENV}",
        "- Using cached virtual environment",
        "- Dependencies ready in <time>",
    ],
    "poetry_basic": [
        "- Using cached pip download and wheel cache",
        f"- Using cached pip {PIP}",
        "- Using cached Poetry cache",
        f"- Using cached poetry {POETRY}",
        "- Using cached virtual environment",
        "- Syncing the virtual environment with poetry: nothing changed, expecting no changes",
        "  Running 'poetry sync --only main'",
        "  Installing dependencies from lock file",
        "  No dependencies to install or update",
        "- Dependencies ready in <time>",
    ],
    "uv_basic": [
        "- Using cached pip download and wheel cache",
        "- Using cached uv cache",
        f"- Using cached uv {UV}",
        "- Using cached virtual environment",
        "- Syncing the virtual environment with uv: nothing changed, expecting no changes",
        "  Running 'uv sync --locked --no-default-groups --no-install-project --inexact'",
        "  Full command: <work>/layers/cnb-python_python/uv/bin/uv sync --locked "
        "--no-default-groups --python <work>/layers/cnb-python_python/venv/bin/python "
        "--no-install-project --inexact",
        "  Resolved 3 packages in <time>",
        "  Checked 1 package in <time>",
        "  The virtual environment matches uv.lock: nothing to do",
        "- Dependencies ready in <time>",
    ],
}


@pytest.mark.parametrize("fixture", sorted(FIRST))
def test_first_and_no_op_build_logs(dev_app: DevApps, fixture: str) -> None:
    app = dev_app(fixture)
    app.build()
    assert block(app) == FIRST[fixture]
    # The uv no-op also shows what BP_LOG_LEVEL=DEBUG adds: the full command.
    app.rebuild(env={"BP_LOG_LEVEL": "DEBUG"} if fixture == "uv_basic" else {})
    assert block(app) == NO_OP[fixture]
    assert "error:" not in app.log
