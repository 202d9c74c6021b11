"""Print every source under the given directories whose bytecode is not current unchecked-hash.

Run as a script by the interpreter the bytecode is for (`python -I <this file> [--skip NAME]...
DIR...`), never imported by the buildpack: the magic number and the source hash
(`importlib.util.source_hash`) belong to that interpreter, so only it can say whether a pyc
matches its source. Stale: no pyc, a pyc of another kind (timestamp or checked-hash), or an
unchecked-hash pyc of other source bytes. The last case is why unchecked-hash is safe to
refresh: a reinstalled or patched module is recompiled, never left with its old code.

Kept to the syntax of the oldest Python the catalog offers (3.8), and to plain `os` calls on
the str paths it prints.
"""
# ruff: noqa: PTH118, PTH123

import importlib.util
import os
import sys

UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, do not check the source


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


def main(argv: "list[str]") -> int:
    skip = {"__pycache__"}
    roots: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--skip":
            skip.add(next(args))
        else:
            roots.append(arg)
    out = sys.stdout
    for root in roots:
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(name for name in subdirs if name not in skip)
            for name in sorted(files):
                # A name with a line break is no importable module, and would split the list.
                if not name.endswith(".py") or "\n" in name or "\r" in name:
                    continue
                path = os.path.join(directory, name)
                if is_stale(path):
                    out.write(path + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
