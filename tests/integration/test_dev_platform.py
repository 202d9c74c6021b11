"""`cnb-python dev`: the local platform, driven with a shell-script buildpack.

Like the lifecycle's own testdata buildpack, the fixture buildpack records what it was given
(env, argv, working directory, plan, the layers dir it found) and writes whatever a test's
hook script tells it to, so these tests check the platform, not our Python build.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from cnb_python.cli import main
from cnb_python.cnb import tomlio

FIXTURE_APP = Path(__file__).parents[1] / "fixtures" / "apps" / "dev_shell_app"
CLI = [sys.executable, "-c", "import sys; from cnb_python.cli import main; sys.exit(main())"]

DETECT = r"""#!/usr/bin/env bash
set -euo pipefail
rec="$(cat "$CNB_BUILDPACK_DIR/record-dir")"
env -0 > "$rec/detect-env"
printf '%s\n' "$0" "$@" > "$rec/detect-argv"
pwd > "$rec/detect-cwd"
if [[ -f "$CNB_BUILDPACK_DIR/detect-plan.toml" ]]; then
  cat "$CNB_BUILDPACK_DIR/detect-plan.toml" > "$CNB_BUILD_PLAN_PATH"
fi
echo "detect says hello"
exit "$(cat "$CNB_BUILDPACK_DIR/detect-status" 2>/dev/null || echo 0)"
"""

BUILD = r"""#!/usr/bin/env bash
set -euo pipefail
rec="$(cat "$CNB_BUILDPACK_DIR/record-dir")"
n=$(( $(cat "$rec/build-count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$rec/build-count"
out="$rec/build-$n"
mkdir -p "$out"
env -0 > "$out/env"
printf '%s\n' "$0" "$@" > "$out/argv"
pwd > "$out/cwd"
cp "$CNB_BP_PLAN_PATH" "$out/plan.toml"
cp -a "$CNB_LAYERS_DIR/." "$out/layers-at-start"
echo "build says hello"
L="$CNB_LAYERS_DIR"
if [[ -f "$CNB_BUILDPACK_DIR/build-hook.sh" ]]; then source "$CNB_BUILDPACK_DIR/build-hook.sh"; fi
exit "$(cat "$CNB_BUILDPACK_DIR/build-status" 2>/dev/null || echo 0)"
"""

# A launch layer with a program, launch env files and exec.d, plus a default process.
LAUNCH_HOOK = r"""
mkdir -p "$L/tools/bin" "$L/tools/env.launch/web" "$L/tools/exec.d"
hello='echo "greeting=$GREETING forced=$FORCED execd=$EXECD args=$*"'
printf '#!/bin/sh\n%s\n' "$hello" > "$L/tools/bin/hello"
chmod +x "$L/tools/bin/hello"
printf 'hi' > "$L/tools/env.launch/GREETING.default"
printf 'layer' > "$L/tools/env.launch/FORCED.override"
printf 'web-only' > "$L/tools/env.launch/web/WEB_ONLY"
printf '#!/bin/sh\necho "EXECD = \\"from-exec.d\\"" >&3\n' > "$L/tools/exec.d/setup"
chmod +x "$L/tools/exec.d/setup"
cat > "$L/tools.toml" <<'EOF'
[types]
launch = true
[metadata]
version = "1"
EOF
cat > "$L/launch.toml" <<'EOF'
[[processes]]
type = "web"
command = ["hello", "fixed"]
args = ["default-arg"]
default = true

[[processes]]
type = "worker"
command = ["sh", "-c", "echo worker $WEB_ONLY-unset; pwd"]
working-dir = "static"
EOF
"""


def _env_file(path: Path) -> dict[str, str]:
    items = path.read_bytes().decode().split("\0")
    return dict(item.split("=", 1) for item in items if item)


class FixtureBuildpack:
    def __init__(self, root: Path, record: Path) -> None:
        self.root = root
        self.record = record

    def set(self, name: str, content: str) -> None:
        (self.root / name).write_text(textwrap.dedent(content))

    def build_dir(self, n: int) -> Path:
        return self.record / f"build-{n}"


@pytest.fixture
def buildpack(tmp_path: Path) -> FixtureBuildpack:
    root = tmp_path / "buildpack"
    (root / "bin").mkdir(parents=True)
    record = tmp_path / "record"
    record.mkdir()
    (root / "record-dir").write_text(str(record))
    (root / "buildpack.toml").write_text(
        'api = "0.10"\n[buildpack]\nid = "test/shell"\nversion = "0.0.1"\n'
        'sbom-formats = ["application/vnd.cyclonedx+json"]\n'
    )
    for name, script in (("detect", DETECT), ("build", BUILD)):
        (root / "bin" / name).write_text(script)
        (root / "bin" / name).chmod(0o755)
    return FixtureBuildpack(root, record)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "app"
    shutil.copytree(FIXTURE_APP, target)
    return target


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


Run = Callable[..., int]


@pytest.fixture
def dev_build(buildpack: FixtureBuildpack, app: Path, tmp_path: Path) -> Run:
    def run(*extra: str) -> int:
        argv = ["dev", "build", str(app), "--buildpack", str(buildpack.root)]
        return main([*argv, "--work", str(tmp_path / "work"), *extra])

    return run


# --- the inputs of detect and build -----------------------------------------------------------


def test_phases_see_only_the_allow_list_the_user_env_and_cnb_variables(
    dev_build: Run,
    buildpack: FixtureBuildpack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FOO", "bar")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("CNB_STACK_ID", "from-parent")
    assert dev_build("--env", "BP_SETTING=on", "--env", "PATH=/user/bin", "--env", "FOO") == 0
    work = tmp_path / "work"
    for env in (
        _env_file(buildpack.record / "detect-env"),
        _env_file(buildpack.build_dir(1) / "env"),
    ):
        assert "LANG" not in env
        assert env["FOO"] == "bar"  # only because --env FOO asked for it
        assert env["BP_SETTING"] == "on"
        # The user's PATH first, then the builder image's python3 (see runner._builder_python).
        user, builder, rest = env["PATH"].split(":", 2)
        assert (user, rest) == ("/user/bin", os.environ["PATH"])
        assert Path(builder, "python3").is_file()
        assert env["HTTPS_PROXY"] == "http://127.0.0.1:3128"
        assert env["CNB_STACK_ID"] == "from-parent"
        assert env["CNB_BUILDPACK_DIR"] == str(buildpack.root)
        assert env["CNB_PLATFORM_DIR"] == str(work / "platform")
        assert env["CNB_TARGET_OS"] == "linux"
        assert env["CNB_TARGET_ARCH"] in {"amd64", "arm64"}
        bash_own = {"PWD", "SHLVL", "_", "OLDPWD"}
        allowed = {"HOME", "HTTPS_PROXY", "PATH", "BP_SETTING", "FOO", "HOSTNAME", *bash_own}
        unexpected = {k for k in env if not k.startswith("CNB_") and k not in allowed}
        assert unexpected == set()
    detect_env = _env_file(buildpack.record / "detect-env")
    assert "CNB_LAYERS_DIR" not in detect_env
    assert "CNB_BP_PLAN_PATH" not in detect_env
    build_env = _env_file(buildpack.build_dir(1) / "env")
    assert build_env["CNB_LAYERS_DIR"] == str(work / "layers" / "test_shell")
    assert "CNB_BUILD_PLAN_PATH" not in build_env
    assert (work / "platform" / "env" / "BP_SETTING").read_text() == "on"
    out = capfd.readouterr().out
    assert "detect says hello" in out
    assert "build says hello" in out


def test_argv_and_working_directory_are_the_lifecycles(
    dev_build: Run, buildpack: FixtureBuildpack, app: Path, tmp_path: Path
) -> None:
    before = _tree_digest(app)
    assert dev_build() == 0
    work = tmp_path / "work"
    detect_argv = (buildpack.record / "detect-argv").read_text().splitlines()
    detect_env = _env_file(buildpack.record / "detect-env")
    assert detect_argv == [
        str(buildpack.root / "bin" / "detect"),
        str(work / "platform"),
        detect_env["CNB_BUILD_PLAN_PATH"],
    ]
    build_argv = (buildpack.build_dir(1) / "argv").read_text().splitlines()
    build_env = _env_file(buildpack.build_dir(1) / "env")
    assert build_argv == [
        str(buildpack.root / "bin" / "build"),
        str(work / "layers" / "test_shell"),
        str(work / "platform"),
        build_env["CNB_BP_PLAN_PATH"],
    ]
    assert (buildpack.record / "detect-cwd").read_text().strip() == str(work / "workspace")
    assert (buildpack.build_dir(1) / "cwd").read_text().strip() == str(work / "workspace")
    assert _tree_digest(app) == before


def test_target_and_stack_options(
    dev_build: Run, buildpack: FixtureBuildpack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CNB_STACK_ID", raising=False)
    assert dev_build("--target", "linux/arm64/v8:ubuntu@22.04", "--stack", "heroku-22") == 0
    env = _env_file(buildpack.build_dir(1) / "env")
    assert env["CNB_TARGET_OS"] == "linux"
    assert env["CNB_TARGET_ARCH"] == "arm64"
    assert env["CNB_TARGET_ARCH_VARIANT"] == "v8"
    assert env["CNB_TARGET_DISTRO_NAME"] == "ubuntu"
    assert env["CNB_TARGET_DISTRO_VERSION"] == "22.04"
    assert env["CNB_STACK_ID"] == "heroku-22"


def test_targets_are_filtered_before_detect_like_platform_api_0_12(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    with (buildpack.root / "buildpack.toml").open("a") as descriptor:
        descriptor.write('[[targets]]\nos = "linux"\narch = "amd64"\n')
    assert dev_build("--target", "linux/arm64:ubuntu@24.04") == 1
    assert "unable to satisfy target os/arch constraints" in capfd.readouterr().err
    assert not (buildpack.record / "detect-argv").exists()
    # kpack's Platform API 0.9 does no target filtering at all.
    assert dev_build("--target", "linux/arm64:ubuntu@24.04", "--platform-api", "0.9") == 0


# --- detect results and the plan ---------------------------------------------------------------


def test_detect_100_means_detect_did_not_pass(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set("detect-status", "100")
    assert dev_build() == 1
    captured = capfd.readouterr()
    assert "detect did not pass" in captured.err
    assert "detect says hello" in captured.out + captured.err
    assert not buildpack.build_dir(1).exists()


def test_other_detect_codes_are_errors(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set("detect-status", "3")
    assert dev_build() == 1
    assert "bin/detect exited with status 3" in capfd.readouterr().err


def test_resolved_plan_is_given_to_build(dev_build: Run, buildpack: FixtureBuildpack) -> None:
    buildpack.set(
        "detect-plan.toml",
        """
        [[provides]]
        name = "cpython"
        [[requires]]
        name = "cpython"
        [requires.metadata]
        version = "3.12"
        """,
    )
    assert dev_build() == 0
    plan = tomlio.load(buildpack.build_dir(1) / "plan.toml")
    assert plan == {"entries": [{"name": "cpython", "metadata": {"version": "3.12"}}]}


def test_a_provide_nobody_requires_fails_detection(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set("detect-plan.toml", '[[provides]]\nname = "cpython"\n')
    assert dev_build() == 1
    assert "provides 'cpython', which nothing requires" in capfd.readouterr().err


def test_an_or_alternative_can_resolve(dev_build: Run, buildpack: FixtureBuildpack) -> None:
    buildpack.set(
        "detect-plan.toml",
        """
        [[requires]]
        name = "node"
        [[or]]
        [[or.provides]]
        name = "cpython"
        [[or.requires]]
        name = "cpython"
        """,
    )
    assert dev_build() == 0
    assert tomlio.load(buildpack.build_dir(1) / "plan.toml") == {"entries": [{"name": "cpython"}]}


def test_a_top_level_version_in_the_plan_is_rejected(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set(
        "detect-plan.toml",
        '[[provides]]\nname = "cpython"\n[[requires]]\nname = "cpython"\nversion = "3.12"\n',
    )
    assert dev_build() == 1
    assert '"version" key' in capfd.readouterr().err


# --- build results --------------------------------------------------------------------------


def test_a_failing_build_reports_its_status(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set("build-status", "7")
    assert dev_build() == 1
    assert "bin/build exited with status 7" in capfd.readouterr().err


def test_validation_lists_every_violation(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set(
        "build-hook.sh",
        r"""
        mkdir -p "$L/bad/env"
        printf 'launch = true\n' > "$L/bad.toml"
        printf '/x\n' > "$L/bad/env/PATH.prepend"
        printf '[[processes]]\ntype = "web"\ncommand = "python app.py"\n' > "$L/launch.toml"
        printf '{}' > "$L/launch.sbom.spdx.json"
        """,
    )
    assert dev_build() == 1
    err = capfd.readouterr().err
    assert "5 problems that a CNB lifecycle would reject or misread" in err
    assert "bad.toml: the launch, cache and build flags should be in the types table" in err
    assert "bad/env/PATH.prepend: no PATH.delim beside it" in err
    assert "bad/env/PATH.prepend: ends with a newline" in err
    assert "command must be an array of strings, not a string" in err
    assert "undeclared SBOM media type 'application/spdx+json'" in err


# --- rebuilds -------------------------------------------------------------------------------

LAYER_KINDS = {
    "launchonly": "launch = true",
    "launchbuild": "launch = true\nbuild = true",
    "launchcache": "launch = true\ncache = true",
    "cacheonly": "cache = true",
    "buildonly": "build = true",
}

REBUILD_HOOK = r"""
if [[ "$n" == 1 ]]; then
  for kind in launchonly launchbuild launchcache cacheonly buildonly; do
    mkdir -p "$L/$kind"
    printf 'contents of %s' "$kind" > "$L/$kind/file"
  done
  printf '[types]\nlaunch = true\n[metadata]\ncount = 5\nname = "a"\n' > "$L/launchonly.toml"
  printf '[types]\nlaunch = true\nbuild = true\n' > "$L/launchbuild.toml"
  printf '[types]\nlaunch = true\ncache = true\n[metadata]\nv = "1"\n' > "$L/launchcache.toml"
  printf '[types]\ncache = true\n[metadata]\nv = "2"\n' > "$L/cacheonly.toml"
  printf '[types]\nbuild = true\n' > "$L/buildonly.toml"
  printf '{}' > "$L/launchcache.sbom.cdx.json"
  printf '{}' > "$L/launch.sbom.cdx.json"
  printf '[metadata]\nlast = "3.12"\nbuilds = 1\n' > "$L/store.toml"
  printf '[[processes]]\ntype = "web"\ncommand = ["cat", "/dev/null"]\n' > "$L/launch.toml"
else
  # Keep what was restored: types rewritten, launch-only reused without its directory.
  printf '[types]\nlaunch = true\n' > "$L/launchonly.toml"
  if [[ -f "$L/launchcache.toml" ]]; then
    printf '[types]\nlaunch = true\ncache = true\n' > "$L/launchcache.toml"
  fi
  if [[ -f "$L/cacheonly.toml" ]]; then
    printf '[types]\ncache = true\n' > "$L/cacheonly.toml"
  fi
fi
"""


def _restored(buildpack: FixtureBuildpack, n: int) -> dict[str, str]:
    start = buildpack.build_dir(n) / "layers-at-start"
    return {
        str(p.relative_to(start)): p.read_text() if p.is_file() else "<dir>"
        for p in sorted(start.rglob("*"))
    }


def test_a_second_build_starts_from_what_the_lifecycle_restores(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set("build-hook.sh", REBUILD_HOOK)
    assert dev_build() == 0
    assert _restored(buildpack, 1) == {}
    assert dev_build() == 0
    assert _restored(buildpack, 2) == {
        "cacheonly": "<dir>",
        "cacheonly/file": "contents of cacheonly",
        "cacheonly.toml": '[metadata]\nv = "2"\n',
        "launchcache": "<dir>",
        "launchcache/file": "contents of launchcache",
        "launchcache.toml": '[metadata]\nv = "1"\n',
        "launchcache.sbom.cdx.json": "{}",
        "launchonly.toml": '[metadata]\ncount = 5.0\nname = "a"\n',
        # Go's TOML encoder writes map keys sorted
        "store.toml": '[metadata]\nbuilds = 1.0\nlast = "3.12"\n',
    }
    out = capfd.readouterr().out
    assert "Reusing layer 'test/shell:launchonly' from the previous image" in out
    # The launch-only layer's contents survive in the image although the build never saw them.
    assert dev_build("--clear-cache") == 0
    assert _restored(buildpack, 3) == {
        "launchonly.toml": "",  # build 2 kept it without [metadata]
        # launch layer SBOMs come from the image, store.toml too (kept by build 2)
        "launchcache.sbom.cdx.json": "{}",
        "store.toml": '[metadata]\nbuilds = 1.0\nlast = "3.12"\n',
    }


def test_no_previous_image_restores_only_the_cache(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set("build-hook.sh", REBUILD_HOOK.replace('"$n" == 1', '"$n" != 0'))
    assert dev_build() == 0
    assert dev_build("--no-previous-image") == 0
    restored = _restored(buildpack, 2)
    assert "store.toml" not in restored
    assert "launchonly.toml" not in restored
    # Platform API >= 0.14: launch+cache metadata comes from the cache without an image.
    assert restored["launchcache.toml"] == '[metadata]\nv = "1"\n'
    assert dev_build("--no-previous-image", "--platform-api", "0.9") == 0
    restored = _restored(buildpack, 3)
    assert "launchcache.toml" not in restored
    assert "launchcache" not in restored
    assert restored["cacheonly.toml"] == '[metadata]\nv = "2"\n'


def test_reusing_a_launch_layer_without_a_previous_image_fails_export(
    dev_build: Run, buildpack: FixtureBuildpack, capfd: pytest.CaptureFixture[str]
) -> None:
    buildpack.set("build-hook.sh", 'printf "[types]\\nlaunch = true\\n" > "$L/ghost.toml"\n')
    assert dev_build() == 1
    assert "cannot reuse 'test/shell:ghost', previous image has no metadata" in (
        capfd.readouterr().err
    )


# --- launch and run ---------------------------------------------------------------------------


def _cli(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_launch_runs_the_default_process_in_the_launch_env(
    dev_build: Run, buildpack: FixtureBuildpack, app: Path, tmp_path: Path
) -> None:
    buildpack.set("build-hook.sh", LAUNCH_HOOK)
    assert dev_build() == 0
    work = ["--work", str(tmp_path / "work")]
    result = _cli(tmp_path, "dev", "launch", str(app), *work)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "greeting=hi forced=layer execd=from-exec.d args=fixed default-arg"
    )
    # .default yields to the runtime env; .override beats it; user args replace `args`.
    result = _cli(
        tmp_path,
        "dev", "launch", str(app), "web", "--env", "GREETING=yo", "--env", "FORCED=user",
        *work, "--", "mine",
    )  # fmt: skip
    assert result.stdout.strip() == "greeting=yo forced=layer execd=from-exec.d args=fixed mine"


def test_launch_selects_processes_and_their_env(
    dev_build: Run, buildpack: FixtureBuildpack, app: Path, tmp_path: Path
) -> None:
    buildpack.set("build-hook.sh", LAUNCH_HOOK)
    assert dev_build() == 0
    work = ["--work", str(tmp_path / "work")]
    result = _cli(tmp_path, "dev", "launch", str(app), "worker", *work)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["worker -unset", str(tmp_path / "work/workspace/static")]
    result = _cli(tmp_path, "dev", "launch", str(app), "nope", *work)
    assert result.returncode == 1
    assert "Unknown process type 'nope'" in result.stderr
    assert "web, worker" in result.stderr


def test_run_uses_the_launch_env_after_a_failed_rebuild(
    dev_build: Run, buildpack: FixtureBuildpack, app: Path, tmp_path: Path
) -> None:
    buildpack.set("build-hook.sh", LAUNCH_HOOK)
    assert dev_build() == 0
    buildpack.set("build-status", "1")
    assert dev_build() == 1  # moves the image aside, then fails: the image must survive
    work = ["--work", str(tmp_path / "work")]
    result = _cli(
        tmp_path,
        "dev",
        "run",
        str(app),
        *work,
        "--",
        "sh",
        "-c",
        'echo "$PATH|$EXECD|$CNB_APP_DIR"',
    )
    assert result.returncode == 0, result.stderr
    layers = tmp_path / "work" / "layers" / "test_shell"
    assert result.stdout.strip() == f"{layers}/tools/bin:/usr/local/bin:/usr/bin:/bin|from-exec.d|"


def test_launch_before_any_build_says_so(app: Path, tmp_path: Path) -> None:
    result = _cli(tmp_path, "dev", "launch", str(app), "--work", str(tmp_path / "work"))
    assert result.returncode == 1
    assert "Nothing built yet" in result.stderr


def test_work_dir_inside_the_app_is_refused(
    buildpack: FixtureBuildpack, app: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    argv = ["dev", "build", str(app), "--buildpack", str(buildpack.root), "--work"]
    assert main([*argv, str(app / ".work")]) == 1
    assert "must be outside the app directory" in capfd.readouterr().err
    assert not (app / ".work").exists()
