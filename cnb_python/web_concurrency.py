"""`WEB_CONCURRENCY`: a default number of web workers, sized to the container at start.

gunicorn and uvicorn take their worker count from `WEB_CONCURRENCY`. The right value depends on
the memory and CPUs of the container the image runs in, which the build cannot know, so it is
computed at every start by an exec.d program (contract §3.7) in a small launch-only layer:
`exec_d/web_concurrency.sh`, POSIX sh because the run image may have no Python. Its formula,
documented in the script and in docs/apps.md:

    WEB_CONCURRENCY = clamp(memory_MiB // 256, 1, 2 * cpus + 1)

from the cgroup memory limit (or MemTotal without one) and the CPU count lowered to the cgroup
CPU quota. A value the user sets (`docker run -e`, the platform's config) wins: the program
then writes nothing. That is why it is an exec.d program and not a launch env file: exec.d
output overrides the env, so the program has to keep the user's value itself, which it can,
whereas an env file could only be a fixed `.default`.

The layer is uncached and rewritten on every build (a copy of one small file), so a buildpack
upgrade always ships the current script.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cnb_python.cnb.layers import LayerTypes, fresh_layer, write_layer_toml
from cnb_python.layers.declared import UncachedLayerDecl

LAYER_NAME = "web-concurrency"
PROGRAM_NAME = "web_concurrency"
SCRIPT = Path(__file__).parent / "exec_d" / "web_concurrency.sh"
TYPES = LayerTypes(launch=True)
LAYER = UncachedLayerDecl(name=LAYER_NAME, types=TYPES)


def write_layer(layers_dir: Path) -> Path:
    """Write the launch layer holding `exec.d/web_concurrency`; return the program's path.

    Under `exec.d/` directly, not `exec.d/web/`, so every process (and `docker run` with a
    custom command) sees the same value: a worker process started by hand should agree with
    the web process about the container's size.
    """
    layer = fresh_layer(layers_dir, LAYER_NAME)
    program = layer / "exec.d" / PROGRAM_NAME
    program.parent.mkdir()
    shutil.copyfile(SCRIPT, program)
    # The launcher executes it directly (no interpreter in front), so it must be executable.
    program.chmod(0o755)
    write_layer_toml(layers_dir, LAYER_NAME, TYPES, None)
    return program
