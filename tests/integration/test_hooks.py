"""bin/pre_compile and bin/post_compile run for real (bash, the app directory, the build env
plus the user's platform env); a failure names the hook and its status."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnb_python.cnb.context import BuildContext
from cnb_python.errors import HookFailed, HookTimedOut
from cnb_python.hooks import run_hook, shebang, user_env
from cnb_python.output import Output
from tests.support.contexts import build_context


def _ctx(tmp_path: Path, platform_env: dict[str, str] | None = None) -> BuildContext:
    app = tmp_path / "app"
    (app / "bin").mkdir(parents=True)
    return build_context(tmp_path, app, platform_env)


def _hook(ctx: BuildContext, name: str, text: str, mode: int = 0o755) -> Path:
    path = ctx.app_dir / "bin" / name
    path.write_text(text)
    path.chmod(mode)
    return path


def _env() -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "FROM_BUILD": "build", "SHARED": "build"}


def test_a_hook_runs_in_the_app_dir_with_build_and_platform_env(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    ctx = _ctx(tmp_path, {"SHARED": "user", "PATH": "/user/bin"})
    _hook(
        ctx,
        "pre_compile",
        '#!/bin/sh\necho "cwd=$(pwd) build=$FROM_BUILD shared=$SHARED"\n'
        "echo to-stderr >&2\necho 'requests' > requirements.txt\n",
    )
    out = io.StringIO()
    run_hook(ctx, "pre_compile", _env(), Output(stdout=out, stderr=out))
    streamed = capfd.readouterr()
    assert f"cwd={ctx.app_dir} build=build shared=user" in streamed.out
    assert "to-stderr" in streamed.err
    assert (ctx.app_dir / "requirements.txt").read_text() == "requests\n"
    log = out.getvalue()
    assert "[Running bin/pre_compile]" in log
    assert "Running 'bash -c 'exec \"./$0\"' bin/pre_compile'" in log
    assert "- bin/pre_compile finished" in log


def test_a_hook_without_exec_bit_or_shebang_runs_with_bash(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    ctx = _ctx(tmp_path)
    # [[ ]] is bash: the file runs with bash, not sh, whatever its mode
    path = _hook(ctx, "post_compile", 'if [[ -n "$FROM_BUILD" ]]; then echo bash-ran; fi\n', 0o644)
    run_hook(ctx, "post_compile", _env(), Output(stdout=io.StringIO()))
    assert "bash-ran" in capfd.readouterr().out
    assert path.stat().st_mode & 0o777 == 0o644  # the image's files are not changed
    path.chmod(0o755)  # executable, but no #!: still bash
    run_hook(ctx, "post_compile", _env(), Output(stdout=io.StringIO()))
    assert "bash-ran" in capfd.readouterr().out


def test_a_missing_hook_is_skipped_silently(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    (ctx.app_dir / "bin" / "post_compile").mkdir()  # a directory is no hook either
    out = io.StringIO()
    run_hook(ctx, "pre_compile", _env(), Output(stdout=out))
    run_hook(ctx, "post_compile", _env(), Output(stdout=out))
    assert out.getvalue() == ""


def test_a_failing_hook_names_itself_and_its_status(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    _hook(ctx, "post_compile", "#!/bin/sh\necho broken\nexit 3\n")
    with pytest.raises(HookFailed) as caught:
        run_hook(ctx, "post_compile", _env(), Output(stdout=io.StringIO()))
    assert (caught.value.name, caught.value.status) == ("post_compile", 3)
    rendered = caught.value.message().render()
    assert rendered.startswith("ERROR: Failed to run the bin/post_compile script")
    assert "bin/post_compile exited with status 3 (its output is above)." in rendered


def test_a_missing_interpreter_is_a_hook_failure_not_a_crash(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    _hook(ctx, "pre_compile", "#!/nonexistent/python\nprint(1)\n")
    with pytest.raises(HookFailed) as caught:
        run_hook(ctx, "pre_compile", _env(), Output(stdout=io.StringIO()))
    assert caught.value.status == 127
    rendered = caught.value.message().render()
    assert "check the #! line" in rendered
    assert "runs before Python is installed" in rendered


def test_user_env_puts_platform_values_on_top_except_path_lists() -> None:
    merged = user_env(
        {"PATH": "/venv/bin:/user/bin:/usr/bin", "A": "build", "CPATH": "/x"},
        {"PATH": "/user/bin", "A": "user", "B": "user", "CPATH": "/user"},
    )
    assert merged == {
        "PATH": "/venv/bin:/user/bin:/usr/bin",
        "A": "user",
        "B": "user",
        "CPATH": "/x",
    }


def test_a_non_executable_hook_runs_with_the_interpreter_its_shebang_names(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Heroku's classic buildpack makes the hook executable first, so its #! line decides.
    ctx = _ctx(tmp_path)
    path = _hook(
        ctx,
        "pre_compile",
        "#!/usr/bin/env python3\nimport sys\nprint('python-ran', sys.argv[0])\n",
        0o644,
    )
    run_hook(ctx, "pre_compile", _env(), Output(stdout=io.StringIO()))
    assert "python-ran bin/pre_compile" in capfd.readouterr().out
    assert path.stat().st_mode & 0o777 == 0o644

    _hook(ctx, "post_compile", '#! /bin/sh  -eu  \necho "sh-ran $0"\n', 0o600)
    run_hook(ctx, "post_compile", _env(), Output(stdout=io.StringIO()))
    assert "sh-ran bin/post_compile" in capfd.readouterr().out


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        (b"#!/bin/sh\n", ["/bin/sh"]),
        (b"#!/usr/bin/env python3\n", ["/usr/bin/env", "python3"]),
        (b"#! /bin/bash -e -u\r\n", ["/bin/bash", "-e -u"]),
        (b"#!\t/usr/bin/perl\t-w \n", ["/usr/bin/perl", "-w"]),
        (b"#!\n", None),
        (b"# a comment\n", None),
        (b"echo hi\n", None),
    ],
)
def test_shebang_lines_split_as_the_kernel_splits_them(line: bytes, argv: list[str] | None) -> None:
    assert shebang(line) == argv


@given(
    st.from_regex(r"/[a-z/]{1,20}", fullmatch=True),
    st.from_regex(r"[!-~]([ !-~]{0,20}[!-~])?", fullmatch=True) | st.just(""),
)
def test_the_interpreter_and_one_argument_come_back_whole(interpreter: str, arg: str) -> None:
    line = f"#!{interpreter} {arg}\n".encode()
    assert shebang(line) == [interpreter, *([arg] if arg else [])]


def test_a_hook_that_hangs_is_stopped_with_what_it_started(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {"BP_PYTHON_HOOK_TIMEOUT": "1"})
    children = ctx.app_dir / "children"
    _hook(ctx, "post_compile", f"sleep 600 &\necho $! > {children}\necho started\nwait\n")
    started = time.monotonic()
    with pytest.raises(HookTimedOut) as caught:
        run_hook(ctx, "post_compile", _env(), Output(stdout=io.StringIO()))
    assert time.monotonic() - started < 15
    message = caught.value.message()
    assert message.title == "bin/post_compile did not finish within 1 s"
    assert message.found[0] == (
        "It was stopped after 1 s, the limit set by BP_PYTHON_HOOK_TIMEOUT (its output is above)."
    )
    assert _ends(int(children.read_text())), "the hook's background child is still running"


def _ends(pid: int, within: float = 5.0) -> bool:
    """The process ends within `within` seconds: gone, or a zombie its new parent has not
    reaped yet (it was killed; only the reaping is someone else's)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return True
        if "\nState:\tZ" in status:
            return True
        time.sleep(0.05)
    return False
