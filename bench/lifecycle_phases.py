"""Wall time of each lifecycle phase: a cold build and a no-op rebuild of a Django app under
the real CNB lifecycle (as pack runs it, OCI layout mode), next to the same two builds under
`cnb-python dev`, in one run.

    eval "$(scripts/install-lifecycle)"   # once: CNB_PYTHON_LIFECYCLE, CNB_PYTHON_PACK
    sudo .venv/bin/python bench/lifecycle_phases.py [--app bench/apps/django_drf]

Needs root (the lifecycle tier's users and mount namespaces, tests/support/sandbox.py). The
runtime is an archive of the interpreter running this script, served on loopback; the app's
packages come from the package index. dev's phases are timed by when its section headers
appear in its log; "export" includes its validation.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.support holds the lifecycle driver the tier uses

from cnb_python.dev.targets import host_target  # noqa: E402
from tests.support import oci  # noqa: E402
from tests.support.devbuild import CLI, tls_env, write_catalog  # noqa: E402
from tests.support.httpserver import FaultyServer  # noqa: E402
from tests.support.lifecycle import Platform, Stack, Tools, install_buildpack  # noqa: E402
from tests.support.runtimes import RuntimeArchives, host_interpreters  # noqa: E402
from tests.support.users import (  # noqa: E402
    BUILD_USER,
    RUN_USER,
    ensure_user,
    group_lines,
    passwd_lines,
    reachable_dir,
)

PHASES = ("analyzer", "detector", "restorer", "builder", "exporter")
DEV_SECTIONS = {
    "[Detecting]": "detector",
    "[Restoring]": "restorer",
    "[Building]": "builder",
    "[Validating]": "exporter",
}


def serve_catalog(root: Path, server: FaultyServer) -> str:
    archives = RuntimeArchives(root / "archives", host_interpreters()[:1])
    path = write_catalog(archives, [None], server.root / "catalog.toml")
    text = path.read_text()
    archive = archives.get()
    (server.root / archive.path.name).hardlink_to(archive.path)
    path.write_text(text.replace(archive.path.as_uri(), server.url(archive.path.name)))
    return server.url("catalog.toml")


def package(out: Path, catalog_url: str) -> Path:
    series = ".".join(map(str, sys.version_info[:2]))
    env = {**os.environ, "BP_PYTHON_CATALOG": catalog_url, "NO_COLOR": "1"}
    argv = [*CLI, "package", "--arch", host_target().arch, "--out", str(out)]
    subprocess.run([*argv, "--bootstrap-series", series], env=env, check=True, capture_output=True)
    return out


def dev_build(app: Path, buildpack: Path, work: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds per phase of one `dev build`, from its section headers."""
    argv = [*CLI, "dev", "build", str(app), "--buildpack", str(buildpack), "--work", str(work),
            "--target", f"linux/{host_target().arch}:ubuntu@24.04"]  # fmt: skip
    for name, value in env.items():
        argv += ["--env", f"{name}={value}"]
    marks: list[tuple[str, float]] = []
    log = []
    started = time.perf_counter()
    with subprocess.Popen(
        argv, env={**os.environ, "NO_COLOR": "1"}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line)
            if line.strip() in DEV_SECTIONS:
                marks.append((DEV_SECTIONS[line.strip()], time.perf_counter()))
    if process.returncode != 0:
        raise SystemExit("".join(log))
    ends = [mark for _, mark in marks[1:]] + [time.perf_counter()]
    times = {"setup": marks[0][1] - started} if marks else {}
    times.update({name: end - start for (name, start), end in zip(marks, ends, strict=True)})
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=REPO / "bench" / "apps" / "django_drf")
    args = parser.parse_args()
    tools = Tools.from_env()
    if tools is None or os.geteuid() != 0:
        raise SystemExit('needs root and the lifecycle: eval "$(scripts/install-lifecycle)"')
    build_user, run_user = ensure_user(BUILD_USER), ensure_user(RUN_USER)
    env = tls_env()
    with reachable_dir("bench-lifecycle") as root:
        (root / "served").mkdir()
        with FaultyServer(root / "served") as server:
            buildpack = package(root / "package", serve_catalog(root, server))
            ref = install_buildpack(buildpack, root / "buildpacks")
            files = (
                oci.File("etc", None, 0o755),
                oci.File("etc/passwd", passwd_lines(build_user, run_user).encode()),
                oci.File("etc/group", group_lines(build_user, run_user).encode()),
                oci.File("tmp", None, 0o1777),
            )
            image = oci.RunImage(host_target().arch, run_user.ids, ("ubuntu", "24.04"), files)
            platform = Platform(
                root / "lifecycle", tools, root / "buildpacks", (ref,), Stack(build_user, image)
            )
            results: dict[str, dict[str, float]] = {}
            for label in ("cold", "no-op"):
                build = platform.build(args.app, env=env)
                if not build.ok:
                    raise SystemExit(build.output)
                results[f"lifecycle {label}"] = {p.name: p.seconds for p in build.phases}
            installed = root / "buildpacks" / ref.escaped / ref.version
            for label in ("cold", "no-op"):
                results[f"dev {label}"] = dev_build(args.app, installed, root / "dev", env)
    columns = list(results)
    print(f"{'phase':<10}" + "".join(f"{name:>16}" for name in columns))
    for phase in ("setup", *PHASES):
        cells = [results[column].get(phase) for column in columns]
        print(f"{phase:<10}" + "".join(f"{'':>16}" if c is None else f"{c:>15.2f}s" for c in cells))
    totals = [sum(results[column].values()) for column in columns]
    print(f"{'total':<10}" + "".join(f"{total:>15.2f}s" for total in totals))
    print(f"(app: {args.app.name}; lifecycle from {tools.lifecycle})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
