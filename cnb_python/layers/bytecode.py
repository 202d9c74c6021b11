"""Bytecode for the launch layers: unchecked-hash pycs, compiled once, in parallel.

Why unchecked-hash (PEP 552): the lifecycle exports every launch layer with its mtimes set to
1980, read-only, and the app runs as another user. Timestamp pycs are stale then (recompiled in
memory at every start, never written back); checked-hash pycs stay valid but make every import
read and hash its source again. Unchecked-hash pycs are used as they are. That is safe because
a layer changes only during a build, and every build that changes one runs `compile_tree`
afterwards, which recompiles each source whose pyc does not carry that very source's hash
(`_compile_bytecode.py`): a reinstalled, upgraded or patched module never keeps its old code.

Which code gets them: the runtime's standard library (the python layer) and everything
installed into the venv's site-packages, wheels, locks and non-editable local packages alike
(their files are copies in the layer). Not the app's own code, nor editable installs, whose
code *is* the app directory: see docs/image.md for why.

Once, in parallel: the installers are told not to compile (`pip --no-compile`, no
`--compile-bytecode` for uv, no `--compile` for Poetry), and one run of `_compile_bytecode.py`
compiles the stale list on every core, instead of pip compiling each package serially as it
installs it. (Not `compileall -j 0`: it compiles a list of files serially.)
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from cnb_python import proc

COMPILER = Path(__file__).with_name("_compile_bytecode.py")
# 1980-01-01T00:00:01Z: the lifecycle's normalised mtime, and >= 1980 for zip timestamps; a
# build-env default of the python layer.
SOURCE_DATE_EPOCH = "315532801"
_RESULT = re.compile(r"^stale (\d+) compiled (\d+)$", re.MULTILINE)
# Cores a compile in the background leaves to the build's foreground work.
BACKGROUND_SPARE = 1


def compile_tree(
    python: Path,
    roots: Sequence[Path],
    env: Mapping[str, str],
    *,
    skip: Sequence[str] = (),
    spare: int = 0,
) -> int:
    """Give every stale source under `roots` (subdirectories named in `skip` left out) an
    unchecked-hash pyc; returns how many got one.

    One run of `_compile_bytecode.py` under `python` finds the stale sources and compiles
    them on every core (but `spare` of them). A file that does not compile is compiled in
    memory at import, as without us, so it is not an error.
    """
    # -B: the script's own imports (multiprocessing's, some late) write no timestamp pycs,
    # which the lifecycle's 1980 mtimes would make stale; py_compile writes regardless.
    args: list[str | Path] = ["-B", "-W", "ignore", COMPILER]
    for name in skip:
        args += ["--skip", name]
    if spare:
        args += ["--spare", str(spare)]
    args += [root for root in roots if root.is_dir()]
    done = proc.run_python(python, args, env=env, capture=True)
    result = _RESULT.search(done.stdout)
    if result is None:
        msg = f"{COMPILER.name} printed no result: {done.stdout[-500:]!r}"
        raise RuntimeError(msg)
    return int(result.group(2))


def compile_later(
    python: Path, roots: Sequence[Path], env: Mapping[str, str], *, skip: Sequence[str] = ()
) -> Future[int]:
    """`compile_tree` on a thread of its own: the build goes on (tool downloads, the
    dependencies' resolution, mostly waiting on the network) while the compile keeps the
    other cores busy. It leaves one core to the build (`BACKGROUND_SPARE`): on 2 cores, a
    compile on both made the pip layer's own compile, which pip's every run waits for, take
    twice as long. The caller waits for the result before the layer is declared complete; a
    build that fails meanwhile still waits for it at exit (the executor's thread is joined),
    so no compile outlives its build. The context is copied: the same `effects` run it."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bytecode")
    job = functools.partial(compile_tree, python, roots, env, skip=skip, spare=BACKGROUND_SPARE)
    future = executor.submit(contextvars.copy_context().run, job)
    executor.shutdown(wait=False)
    return future
