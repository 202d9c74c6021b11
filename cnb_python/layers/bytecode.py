"""Bytecode for the launch layers: unchecked-hash pycs, compiled once, in parallel.

Why unchecked-hash (PEP 552): the lifecycle exports every launch layer with its mtimes set to
1980, read-only, and the app runs as another user. Timestamp pycs are stale then (recompiled in
memory at every start, never written back); checked-hash pycs stay valid but make every import
read and hash its source again. Unchecked-hash pycs are used as they are. That is safe because
a layer changes only during a build, and every build that changes one runs `compile_tree`
afterwards, which recompiles each source whose pyc does not carry that very source's hash
(`_stale_bytecode.py`): a reinstalled, upgraded or patched module never keeps its old code.

Which code gets them: the runtime's standard library (the python layer) and everything
installed into the venv's site-packages, wheels, locks and non-editable local packages alike
(their files are copies in the layer). Not the app's own code, nor editable installs, whose
code *is* the app directory: see docs/image.md for why.

Once, in parallel: the installers are told not to compile (`pip --no-compile`, no
`--compile-bytecode` for uv, no `--compile` for Poetry), and `compileall -j 0` compiles the
stale list on every core in one run, instead of pip compiling each package serially as it
installs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from cnb_python import proc

SELECTOR = Path(__file__).with_name("_stale_bytecode.py")
# 1980-01-01T00:00:01Z: the lifecycle's normalised mtime, and >= 1980 for zip timestamps; a
# build-env default of the python layer, and compileall's env here.
SOURCE_DATE_EPOCH = "315532801"


def stale_sources(
    python: Path, roots: Sequence[Path], env: Mapping[str, str], *, skip: Sequence[str] = ()
) -> list[str]:
    """The sources under `roots` (subdirectories named in `skip` left out) that need a pyc."""
    args: list[str | Path] = [SELECTOR]
    for name in skip:
        args += ["--skip", name]
    args += [root for root in roots if root.is_dir()]
    done = proc.run_python(python, args, env=env, capture=True)
    return [line for line in done.stdout.split("\n") if line]


def compile_tree(
    python: Path, roots: Sequence[Path], env: Mapping[str, str], *, skip: Sequence[str] = ()
) -> int:
    """Give every stale source under `roots` an unchecked-hash pyc; returns how many got one."""
    missing = stale_sources(python, roots, env, skip=skip)
    if not missing:
        return 0
    # -qq: test data files with deliberate syntax errors (lib2to3's) are not worth a line each;
    # -W ignore: neither are their SyntaxWarnings. A file that does not compile is compiled in
    # memory at import, as without us, so compileall's exit status is not fatal. -f: the list
    # is already what needs compiling, and compileall's own up-to-date test only knows
    # timestamps. The list goes on stdin (`-i -`), not in a file a killed build would leave.
    args = [
        "-W", "ignore", "-m", "compileall", "-qq", "-j", "0",
        "--invalidation-mode", "unchecked-hash", "-f", "-i", "-",
    ]  # fmt: skip
    proc.run_python(
        python,
        args,
        env={**env, "SOURCE_DATE_EPOCH": env.get("SOURCE_DATE_EPOCH") or SOURCE_DATE_EPOCH},
        capture=True,
        check=False,
        stdin="".join(f"{path}\n" for path in missing),
    )
    return sum(1 for source in missing if has_unchecked_pyc(Path(source)))


def has_unchecked_pyc(source: Path) -> bool:
    """Whether `source` has a pyc flagged unchecked-hash (its magic and hash not checked)."""
    cache = source.parent / "__pycache__"
    for pyc in cache.glob(f"{source.stem}.*.pyc"):
        if pyc.name.count(".") != 2:
            continue  # an .opt-1/.opt-2 pyc
        try:
            with pyc.open("rb") as handle:
                header = handle.read(8)
        except OSError:
            continue
        if len(header) == 8 and int.from_bytes(header[4:8], "little") == 0b01:
            return True
    return False
