"""Start cnb_python under an interpreter that can run it (see bin/_phase.sh).

Run as `python3 -I bin/_boot.py CANDIDATES PHASE [lifecycle args...]`. `-I` keeps the app
directory and PYTHON* variables out of sys.path, so neither this script's directory nor the
app's own modules (json.py, typing.py) are importable; the buildpack's paths are added here.

CANDIDATES is a ":"-separated list of further python3 executables. If this interpreter cannot
import the buildpack's dependencies, it hands over to the next candidate with `execv` (one
process, no second interpreter start just to check), and explains what to do when none can.
"""

import os
import sys

BP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPENDENCIES = ("pydantic", "requests", "packaging", "tomli_w", "zstandard", "installer")


def importable(name: str) -> bool:
    """Whether the top-level module `name` can be imported, without importing it.

    What `importlib.util.find_spec` does for a top-level name, minus its import: that module
    pulls in contextlib, collections and functools, which a packaged buildpack (no bytecode)
    compiles from source on every run, at about twice the cost of the interpreter's start. The
    finders on `sys.meta_path` are loaded already.
    """
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is not None and find_spec(name, None) is not None:
            return True
    return False


sys.path[0:0] = [BP_DIR, os.path.join(BP_DIR, "vendor")]

# bin/_phase.sh extended LD_LIBRARY_PATH for the bundled interpreter's loader only: restore the
# lifecycle's value (set or unset) before the phase reads its environment.
_saved = os.environ.pop("CNB_PYTHON_SAVED_LD_LIBRARY_PATH", None)
if _saved is not None:
    if _saved.startswith("="):
        os.environ["LD_LIBRARY_PATH"] = _saved[1:]
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)
candidates, args = sys.argv[1], sys.argv[2:]

if all(importable(name) for name in DEPENDENCIES):
    from cnb_python.__main__ import main

    sys.exit(main(args))

remaining = [path for path in candidates.split(":") if path]
if remaining:
    following = remaining[0]
    os.execv(following, [following, "-I", __file__, ":".join(remaining[1:]), *args])

sys.stderr.write(
    f"""ERROR: No Python interpreter can run the cnb-python buildpack

  The buildpack at {BP_DIR} has no bundled interpreter (runtime/bin/python3), and no python3
  on PATH ({os.environ.get("PATH", "")}) can import its dependencies
  ({", ".join(DEPENDENCIES)}).

  How to fix:
  - Package the buildpack with its own interpreter: cnb-python package --arch amd64 --out DIR,
    then use DIR (or the package built from DIR/package.toml) with pack or kpack.
  - For local development, install the project (pip install -e .) for the python3 on PATH.
"""
)
sys.exit(1)
