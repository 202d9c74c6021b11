"""Containers without a container engine: a root filesystem assembled from bind mounts in a
private mount namespace, entered with `chroot`, as a given user.

The lifecycle runs each phase in a container whose filesystem puts the app at `/workspace`,
the layers at `/layers`, the buildpacks at `/cnb/buildpacks` and so on; the app image later
runs with its layers at the same paths. Here (root, no Docker engine) each phase gets the same
view from `unshare -m`: a tmpfs as the new root, the host's own directories bound into it (the
build image's userland is this machine's), then the platform's directories on top, then a
fresh `/tmp`. Nothing is mounted outside the namespace, so nothing is left on the host and
parallel builds never see each other's `/layers`.

Users are switched with `setpriv` after the `chroot`, with no supplementary groups, exactly
one uid and gid: the lifecycle's detector and builder refuse to run as root.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Host top-level entries a container never gets from the host: kernel filesystems are bound
# separately, and /tmp is always fresh.
_NOT_FROM_HOST = frozenset({"proc", "sys", "dev", "tmp", "lost+found"})
_KERNEL_DIRS = ("/proc", "/sys", "/dev")


@dataclass(frozen=True)
class Bind:
    source: Path
    target: str  # absolute, inside the root
    read_only: bool = False


@dataclass(frozen=True)
class Root:
    """How to assemble one root filesystem; `mountpoint` is an empty host directory."""

    mountpoint: Path
    binds: tuple[Bind, ...]
    symlinks: Mapping[str, str] = field(default_factory=dict)

    def script(self) -> str:
        """The shell commands that assemble the root under `$root` (run inside `unshare -m`)."""
        root = shlex.quote(str(self.mountpoint))
        lines = ["set -eu", f"root={root}", 'mount -t tmpfs -o mode=0755 cnb-root "$root"']
        for path, target in sorted(self.symlinks.items()):
            lines.append(f'ln -s {shlex.quote(target)} "$root"{shlex.quote(path)}')
        for bind in sorted(self.binds, key=lambda item: item.target.count("/")):
            target = f'"$root"{shlex.quote(bind.target)}'
            make = "touch" if bind.source.is_file() else "mkdir -p"
            lines.append(f'mkdir -p "$(dirname {target})" && {make} {target}')
            lines.append(f"mount --rbind {shlex.quote(str(bind.source))} {target}")
            if bind.read_only:
                lines.append(f"mount -o remount,bind,ro {target}")
        lines.append('mkdir -p "$root/tmp" && mount -t tmpfs -o mode=1777 cnb-tmp "$root/tmp"')
        return "\n".join(lines)


def kernel_binds() -> tuple[Bind, ...]:
    return tuple(Bind(Path(path), path) for path in _KERNEL_DIRS)


def host_root(mountpoint: Path, platform: Sequence[Bind]) -> Root:
    """This machine's filesystem (the "build image"), with the platform's directories on top.

    Top-level host directories that a platform bind replaces are left out, so a `/cnb` or
    `/workspace` of the host never shows through."""
    replaced = {bind.target.strip("/").split("/")[0] for bind in platform}
    binds: list[Bind] = []
    symlinks: dict[str, str] = {}
    for entry in sorted(Path("/").iterdir()):
        if entry.name in _NOT_FROM_HOST or entry.name in replaced:
            continue
        if entry.is_symlink():
            symlinks[f"/{entry.name}"] = str(entry.readlink())
        elif entry.is_dir():
            binds.append(Bind(entry, f"/{entry.name}"))
    return Root(mountpoint, (*binds, *kernel_binds(), *platform), symlinks)


def image_root(mountpoint: Path, rootfs: Path, *, userland: Sequence[str] = ("/usr",)) -> Root:
    """An extracted image (read-only, as a container runtime presents image layers) with this
    machine's `userland` directories standing in for the run image's (`bash`, `sh`, libc and
    the libraries the test runtimes link to)."""
    binds = [Bind(entry, f"/{entry.name}", read_only=True) for entry in sorted(rootfs.iterdir())]
    binds += [Bind(Path(path), path, read_only=True) for path in userland]
    symlinks = {}
    for entry in sorted(Path("/").iterdir()):
        # A merged-/usr host: /bin, /lib, /lib64, /sbin are links into /usr.
        if entry.is_symlink() and not (rootfs / entry.name).exists():
            symlinks[f"/{entry.name}"] = str(entry.readlink())
    return Root(mountpoint, (*binds, *kernel_binds()), symlinks)


@dataclass(frozen=True)
class Command:
    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: str = "/"
    user: tuple[int, int] | None = None  # None: root

    def script(self) -> str:
        prefix = ["chroot", '"$root"']
        if self.user is not None:
            uid, gid = self.user
            prefix += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
        words = ["/usr/bin/env", "-i", "-C", self.cwd, *(f"{k}={v}" for k, v in self.env.items())]
        quoted = [shlex.quote(word) for word in [*words, *self.argv]]
        return "exec " + " ".join([*prefix, *quoted])


def _argv(root: Root, command: Command) -> list[str]:
    script = f"{root.script()}\n{command.script()}\n"
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script]


def run(root: Root, command: Command, *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run `command` in `root` to the end; stdout and stderr together."""
    root.mountpoint.mkdir(parents=True, exist_ok=True)
    with popen(root, command) as child:
        try:
            out, _ = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(child)
            out, _ = child.communicate()
            raise AssertionError(f"timed out after {timeout} s: {command.argv}\n{out}") from None
    return subprocess.CompletedProcess(command.argv, child.returncode, out, None)


@contextlib.contextmanager
def popen(
    root: Root, command: Command, *, stdout: int | None = subprocess.PIPE
) -> Iterator[subprocess.Popen[str]]:
    """Start `command` in `root` in its own session; on exit, stop all of it."""
    root.mountpoint.mkdir(parents=True, exist_ok=True)
    child = subprocess.Popen(
        _argv(root, command),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    try:
        yield child
    finally:
        if child.poll() is None:
            _kill(child)


def _kill(child: subprocess.Popen[str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        try:
            child.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue
