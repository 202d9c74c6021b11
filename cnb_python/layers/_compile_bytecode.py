"""Give every source under the given directories a current unchecked-hash pyc, on every core.

Run as a script by the interpreter the bytecode is for (`python -I <this file> [--skip NAME]...
[--spare N] DIR...`), never imported by the buildpack: the magic number and the source hash
(`importlib.util.source_hash`) belong to that interpreter, so only it can say whether a pyc
matches its source, and only it can compile one. Prints one line: how many sources needed a
pyc and how many got one.

Stale: no pyc, a pyc of another kind (timestamp or checked-hash), or an unchecked-hash pyc of
other source bytes. The last case is why unchecked-hash is safe to refresh: a reinstalled or
patched module is recompiled, never left with its old code.

Why not `compileall -j 0`: it spreads only the directories it walks over its workers; a list
of files (`-i`) is compiled one by one, which left one of two cores idle. Here the stale list
is split over a pool of forked workers (one per usable core), which is what `-j` does for a
directory. A source that does not compile (test data with deliberate syntax errors) is
skipped, as compileall does; its warnings are not worth a line each. `--spare N` leaves N
cores to the rest of the build (a compile in the background; at least one worker remains).

Kept to the syntax of the oldest Python the catalog offers (3.8), and to plain `os` calls on
the str paths it handles.
"""
# ruff: noqa: PTH118, PTH123

import importlib.util
import multiprocessing
import os
import py_compile
import sys
import warnings

UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, do not check the source
# Below this many sources, forking workers costs more than it saves.
SERIAL_BELOW = 32


def is_stale(source_path: str) -> bool:
    try:
        with open(importlib.util.cache_from_source(source_path), "rb") as handle:
            header = handle.read(16)
        with open(source_path, "rb") as handle:
            source = handle.read()
    except (OSError, ValueError):
        return True
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return True
    if int.from_bytes(header[4:8], "little") != UNCHECKED_HASH:
        return True
    return header[8:16] != importlib.util.source_hash(source)


def stale_sources(roots: "list[str]", skip: "set[str]") -> "list[str]":
    found = []
    for root in roots:
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(name for name in subdirs if name not in skip)
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    if is_stale(path):
                        found.append(path)
    return found


def compile_one(source_path: str) -> bool:
    try:
        py_compile.compile(
            source_path,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    except (py_compile.PyCompileError, OSError, ValueError, SyntaxError):
        return False
    return True


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(sources: int, spare: int) -> int:
    """One per usable core but `spare`, at least one, and one for a short list."""
    return min(max(1, usable_cores() - spare), max(1, sources // SERIAL_BELOW))


def compile_all(sources: "list[str]", spare: int = 0) -> int:
    warnings.simplefilter("ignore")
    workers = worker_count(len(sources), spare)
    if workers == 1:
        return sum(1 for source in sources if compile_one(source))
    # Forked, so the workers inherit the warnings filter and start in milliseconds.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return sum(1 for done in pool.imap_unordered(compile_one, sources, chunksize=8) if done)


def main(argv: "list[str]") -> int:
    skip = {"__pycache__"}
    spare = 0
    roots = []
    args = iter(argv)
    for arg in args:
        if arg == "--skip":
            skip.add(next(args))
        elif arg == "--spare":
            spare = int(next(args))
        else:
            roots.append(arg)
    sources = stale_sources(roots, skip)
    compiled = compile_all(sources, spare) if sources else 0
    sys.stdout.write(f"stale {len(sources)} compiled {compiled}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
