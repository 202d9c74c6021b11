"""bin/pre_compile and bin/post_compile run for real (bash, the app directory, the build env
plus the user's platform env); a failure names the hook and its status."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from cnb_python.cnb.context import BuildContext, Target
from cnb_python.errors import HookFailed
from cnb_python.hooks import run_hook, user_env
from cnb_python.output import Output


def _ctx(tmp_path: Path, platform_env: dict[str, str] | None = None) -> BuildContext:
    app = tmp_path / "app"
    (app / "bin").mkdir(parents=True)
    return BuildContext(
        app_dir=app,
        buildpack_dir=tmp_path / "bp",
        platform_dir=tmp_path / "platform",
        layers_dir=tmp_path / "layers",
        buildpack_plan_path=tmp_path / "plan.toml",
        target=Target(os="linux", arch="amd64"),
        platform_env=platform_env or {},
    )


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
    assert "Running: bash -c 'exec \"./$0\"' bin/pre_compile" in log
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
