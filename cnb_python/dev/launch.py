"""`cnb-python dev launch` and `dev run`: start the built app the way the CNB launcher does.

lc `launch/launcher.go` (`doEnv`, `doExecD`), `launch/exec_d.go` and `env/launch.go`:

1. the environment starts from the container's: here a minimal `PATH`, `HOME`, and the
   `--env` values given at launch (the launcher removes its own `CNB_*` variables);
2. every launch layer's `bin` and `lib` go on `PATH` and `LD_LIBRARY_PATH`;
3. then, layer by layer, `env/`, `env.launch/` and `env.launch/<process type>/`, so a plain or
   `.override` file beats the runtime env and only `.default` leaves it alone;
4. then `exec.d/` and `exec.d/<process type>/` programs run, each writing TOML string pairs
   to file descriptor 3 that override the env; any failure stops the launch;
5. the process runs in the app directory (or its `working-dir`): `command` plus `args`; user
   arguments replace `args` (Platform API >= 0.10) or are appended (0.9, kpack).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnb_python import proc
from cnb_python.cnb import tomlio
from cnb_python.cnb.env import apply_env_dir, prepend_layer_paths
from cnb_python.dev.restore import platform_api_at_least
from cnb_python.dev.users import Ids
from cnb_python.errors import DevLaunchFailed, DevUnknownProcess, ProgramNotFound

BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
# lc `env/launch.go`, LaunchEnvExcludelist.
EXCLUDED = frozenset(
    {
        "CNB_LAYERS_DIR",
        "CNB_APP_DIR",
        "CNB_PROCESS_TYPE",
        "CNB_PLATFORM_API",
        "CNB_DEPRECATION_MODE",
    }
)

ExecFunction = Callable[[Sequence[str], Mapping[str, str], Path, "Ids | None"], None]


@dataclass(frozen=True)
class Process:
    type: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    default: bool
    working_dir: str


def read_processes(launch_toml: Path) -> list[Process]:
    """The processes of a validated launch.toml (none if the build wrote no launch.toml)."""
    if not launch_toml.exists():
        return []
    data = tomlio.load(launch_toml)
    return [
        Process(
            type=raw["type"],
            command=tuple(raw["command"]),
            args=tuple(raw.get("args", ())),
            default=raw.get("default") is True,
            working_dir=raw.get("working-dir", ""),
        )
        for raw in data.get("processes", [])
    ]


def select(processes: Sequence[Process], requested: str | None) -> Process:
    available = tuple(process.type for process in processes)
    for process in processes:
        if (requested is None and process.default) or process.type == requested:
            return process
    raise DevUnknownProcess(requested or "", available)


def base_env(home: str, runtime_env: Mapping[str, str]) -> dict[str, str]:
    env = {"PATH": BASE_PATH, "HOME": home}
    env.update(runtime_env)
    return {name: value for name, value in env.items() if name not in EXCLUDED}


def _layer_dirs(layers_dir: Path) -> list[Path]:
    return sorted(entry for entry in layers_dir.iterdir() if entry.is_dir())


def _run_exec_d(program: Path, env: dict[str, str], app_dir: Path, user: Ids | None) -> None:
    """Run one exec.d program with fd 3 open for its output (a file, not the launcher's pipe:
    the contract is only that fd 3 is writable)."""
    with tempfile.NamedTemporaryFile(prefix="exec.d.", suffix=".toml") as out:
        if user is not None:
            os.fchown(out.fileno(), *user)
        result = proc.run(
            ["/bin/sh", "-c", 'exec "$0" 3>"$1"', program, out.name],
            env=env,
            cwd=app_dir,
            check=False,
            user=user,
        )
        if result.returncode != 0:
            raise DevLaunchFailed(
                f"exec.d program {program} exited with status {result.returncode}"
            )
        text = Path(out.name).read_text(encoding="utf-8", errors="replace")
    try:
        values: dict[str, Any] = tomlio.loads(text)
    except tomlio.TOMLDecodeError as error:
        raise DevLaunchFailed(f"exec.d program {program} wrote invalid TOML: {error}") from None
    for name, value in values.items():
        if not isinstance(value, str):
            raise DevLaunchFailed(f"exec.d program {program} set {name} to a non-string value")
        env[name] = value


def _exec_d_programs(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(entry for entry in directory.iterdir() if not entry.is_dir())


def launch_env(
    layers_dir: Path,
    process_type: str,
    start: Mapping[str, str],
    app_dir: Path,
    user: Ids | None = None,
) -> dict[str, str]:
    """The env the launcher gives a process of `process_type` ("" for a custom command), with
    the exec.d programs run as `user` (None: this process's user)."""
    env = dict(start)
    layers = _layer_dirs(layers_dir) if layers_dir.is_dir() else []
    for layer in layers:
        prepend_layer_paths(env, layer, for_launch=True)
    for layer in layers:
        apply_env_dir(env, layer / "env")
        apply_env_dir(env, layer / "env.launch")
        if process_type:
            apply_env_dir(env, layer / "env.launch" / process_type)
    for layer in layers:
        programs = _exec_d_programs(layer / "exec.d")
        if process_type:
            programs += _exec_d_programs(layer / "exec.d" / process_type)
        for program in programs:
            _run_exec_d(program, env, app_dir, user)
    return env


def process_argv(process: Process, user_args: Sequence[str], platform_api: str) -> list[str]:
    if platform_api_at_least(platform_api, "0.10"):
        return [*process.command, *(user_args or process.args)]
    return [*process.command, *process.args, *user_args]


def exec_process(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, user: Ids | None = None
) -> None:
    """Replace this process, as the launcher does (signals then reach the app directly), as
    `user` when given."""
    try:
        program = proc.which(argv[0], env)
    except ProgramNotFound:
        raise DevLaunchFailed(
            f"{argv[0]!r} is not on the launch PATH ({env.get('PATH', '')})"
        ) from None
    os.chdir(cwd)
    if user is not None:
        os.setgroups([])
        os.setgid(user[1])
        os.setuid(user[0])
    os.execve(program, list(argv), dict(env))  # noqa: S606 - exec, not a subprocess


def run(
    *,
    layers_dir: Path,
    app_dir: Path,
    argv: Sequence[str],
    process_type: str,
    start_env: Mapping[str, str],
    working_dir: str = "",
    user: Ids | None = None,
    exec_function: ExecFunction = exec_process,
) -> None:
    env = launch_env(layers_dir, process_type, start_env, app_dir, user)
    cwd = app_dir / working_dir if working_dir else app_dir
    exec_function(argv, env, cwd, user)
