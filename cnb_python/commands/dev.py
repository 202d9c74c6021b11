"""`cnb-python dev build|launch|run`: the local platform (see docs/dev-platform.md)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cnb_python.cnb.context import Target
from cnb_python.dev import image, launch, mirror, runner, targets, users
from cnb_python.dev.workdir import WorkDir, default_work_dir
from cnb_python.errors import DevUsageError
from cnb_python.output import Output
from cnb_python.resolve import load_catalog

# The buildpack this package belongs to: the repository (or installed tree) root.
DEFAULT_BUILDPACK = Path(__file__).resolve().parents[2]
_ENV_NAME_EXAMPLE = "--env BP_PYTHON_VERSION=3.12"

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def register(subparsers: Subparsers) -> None:
    dev = subparsers.add_parser(
        "dev",
        help="build and run apps locally, the way the CNB lifecycle would",
        description=(
            "A local CNB platform: runs bin/detect and bin/build with the lifecycle's inputs, "
            "validates every output, restores layers for rebuilds, and launches the result."
        ),
    )
    commands = dev.add_subparsers(dest="dev_command", required=True, metavar="COMMAND")
    _register_build(commands)
    _register_launch(commands)
    mirror.register(commands)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app_dir", metavar="APP_DIR", type=Path)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="where builds of this app are kept (default: a directory under ~/.cache)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="K=V",
        help="a variable (K alone takes this shell's value); repeat as needed",
    )


def _register_build(commands: Subparsers) -> None:
    parser = commands.add_parser("build", help="detect and build an app")
    _common(parser)
    parser.add_argument(
        "--buildpack", type=Path, default=DEFAULT_BUILDPACK, help="buildpack directory"
    )
    parser.add_argument(
        "--stack",
        default=None,
        help="CNB_STACK_ID to pass, e.g. heroku-24; without --target, the target's distro is "
        "that stack's (from the catalog)",
    )
    parser.add_argument(
        "--target",
        default=None,
        metavar="OS/ARCH[:DISTRO@VERSION]",
        help="target to build for (default: this machine)",
    )
    parser.add_argument(
        "--clear-cache", action="store_true", help="restore nothing from the layer cache"
    )
    parser.add_argument(
        "--no-previous-image",
        action="store_true",
        help="act as if there were no previous image (no launch metadata, no store.toml)",
    )
    parser.add_argument(
        "--platform-api",
        choices=runner.PLATFORM_APIS,
        default="0.15",
        help="0.12 to 0.15 behave like pack, 0.9 like kpack",
    )
    parser.add_argument(
        "--build-user",
        metavar="UID:GID",
        default=None,
        help="when started as root, run detect and build as this user (default: "
        f"{users.DEFAULT_BUILD_USER[0]}:{users.DEFAULT_BUILD_USER[1]})",
    )
    parser.set_defaults(func=build_command)


def _register_launch(commands: Subparsers) -> None:
    # What follows APP_DIR is split by hand at "--": argparse cannot mix options with a
    # trailing command line of its own options (`dev run APP --env K=V -- sh -c ...`).
    launch_parser = commands.add_parser(
        "launch",
        help="start a process of the last build",
        usage="cnb-python dev launch APP_DIR [PROCESS] [--env K=V] [--work DIR] [-- ARGS...]",
    )
    _common(launch_parser)
    _run_user(launch_parser)
    launch_parser.add_argument("--platform-api", choices=runner.PLATFORM_APIS, default="0.15")
    launch_parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    launch_parser.set_defaults(func=launch_command)

    run_parser = commands.add_parser(
        "run",
        help="run a command in the launch environment",
        usage="cnb-python dev run APP_DIR [--env K=V] [--work DIR] -- CMD...",
    )
    _common(run_parser)
    _run_user(run_parser)
    run_parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    run_parser.set_defaults(func=run_command)


def _run_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--run-user",
        metavar="UID:GID",
        default=None,
        help="when started as root, run the app as this user (default: "
        f"{users.DEFAULT_RUN_USER[0]}:{users.DEFAULT_RUN_USER[1]})",
    )


def _split_rest(args: argparse.Namespace, *, launch_options: bool) -> list[str]:
    """Parse the options between APP_DIR and "--" into `args`; return what follows "--"."""
    rest: list[str] = args.rest
    if "--" not in rest:
        if not launch_options:
            return rest  # `dev run APP cmd ...`: all of it is the command
        before, after = rest, []
    else:
        index = rest.index("--")
        before, after = rest[:index], rest[index + 1 :]
    parser = argparse.ArgumentParser(prog=f"cnb-python dev {args.dev_command}", add_help=False)
    parser.add_argument("--work", type=Path, default=args.work)
    parser.add_argument("--env", action="append", default=list(args.env))
    parser.add_argument("--run-user", default=args.run_user)
    if launch_options:
        parser.add_argument(
            "--platform-api", choices=runner.PLATFORM_APIS, default=args.platform_api
        )
        parser.add_argument("process", nargs="?", default=None)
    parser.parse_args(before, namespace=args)
    return after


def parse_env(items: Sequence[str], parent: Mapping[str, str]) -> dict[str, str]:
    """`K=V` pairs, or `K` for this shell's value, as `pack build --env` takes them."""
    env: dict[str, str] = {}
    for item in items:
        name, has_value, value = item.partition("=")
        if not name or "/" in name or "\0" in item:
            raise DevUsageError("--env", item, "Expected NAME=VALUE.", _ENV_NAME_EXAMPLE)
        if not has_value:
            if name not in parent:
                raise DevUsageError(
                    "--env", item, f"{name} is not set in this shell.", _ENV_NAME_EXAMPLE
                )
            value = parent[name]
        env[name] = value
    return env


def _work(args: argparse.Namespace) -> WorkDir:
    return WorkDir((args.work or default_work_dir(args.app_dir, os.environ)).absolute())


def _target(args: argparse.Namespace, env: Mapping[str, str]) -> Target | None:
    """--target as given; else, for a --stack the catalog knows, the distro of that stack's
    build image (what the lifecycle would read from its os-release) on this machine's arch."""
    if args.target:
        return targets.parse_target(args.target)
    if not args.stack:
        return None
    stack = load_catalog(env).find_stack(args.stack)
    if stack is None:
        return None
    return replace(
        targets.host_target(), distro_name=stack.distro, distro_version=stack.distro_version
    )


def build_command(args: argparse.Namespace) -> int:
    output = Output.for_environment(os.environ)
    env = parse_env(args.env, os.environ)
    options = runner.BuildOptions(
        app_dir=args.app_dir,
        buildpack_dir=args.buildpack,
        work_dir=_work(args).root,
        env=env,
        stack=args.stack,
        target=_target(args, env),
        clear_cache=args.clear_cache,
        no_previous_image=args.no_previous_image,
        platform_api=args.platform_api,
        build_user=_ids("--build-user", args.build_user),
        work_is_explicit=args.work is not None,
    )
    runner.build(options, output, os.environ)
    return 0


def _mounted(args: argparse.Namespace) -> tuple[WorkDir, str]:
    """The last build's image, back at the paths it was built at; and its buildpack id."""
    work = _work(args)
    with work.locked():  # not while a build moves the layers
        record = image.mount_image(work, args.app_dir)
    return work, record.buildpack_id


def _ids(option: str, value: str | None) -> users.Ids | None:
    return None if value is None else users.parse_ids(option, value)


@dataclass(frozen=True)
class _Launch:
    """A mounted image and who runs it: the run user, with a home of its own, when this
    process can switch users and that user can reach the image."""

    work: WorkDir
    layers_dir: Path
    user: users.Ids | None
    start_env: dict[str, str]


def _launch(args: argparse.Namespace) -> _Launch:
    work, buildpack_id = _mounted(args)
    layers_dir = work.buildpack_layers(buildpack_id)
    output = Output.for_environment(os.environ)
    user = users.choose(
        _ids("--run-user", args.run_user),
        users.DEFAULT_RUN_USER,
        [layers_dir, work.workspace],
        doing="Launching",
        who="run user",
        output=output,
    )
    home = os.environ.get("HOME", "/")
    if user is not None:
        run_home = work.root / "run-home"
        run_home.mkdir(exist_ok=True)
        users.Identity(user).chown(run_home)
        home = str(run_home)
    start_env = launch.base_env(home, parse_env(args.env, os.environ))
    return _Launch(work, layers_dir, user, start_env)


def launch_command(args: argparse.Namespace) -> int:
    user_args = _split_rest(args, launch_options=True)
    mounted = _launch(args)
    processes = launch.read_processes(mounted.work.image / "launch.toml")
    process = launch.select(processes, args.process)
    launch.run(
        layers_dir=mounted.layers_dir,
        app_dir=mounted.work.workspace,
        argv=launch.process_argv(process, user_args, args.platform_api),
        process_type=process.type,
        start_env=mounted.start_env,
        working_dir=process.working_dir,
        user=mounted.user,
    )
    return 0  # not reached: the process replaces this one


def run_command(args: argparse.Namespace) -> int:
    command = _split_rest(args, launch_options=False)
    if not command:
        raise DevUsageError("command", "", "Give the command to run after --.", "-- python -V")
    mounted = _launch(args)
    launch.run(
        layers_dir=mounted.layers_dir,
        app_dir=mounted.work.workspace,
        argv=command,
        process_type="",
        start_env=mounted.start_env,
        user=mounted.user,
    )
    return 0  # not reached: the command replaces this one
