"""The `uv-cache` layer: uv's cache, kept between builds like pip's (see `pip_cache`)."""

from __future__ import annotations

from pathlib import Path

from cnb_python.cnb.context import BuildContext
from cnb_python.layers.pip_cache import declare_cache, open_cache
from cnb_python.output import Output

LAYER_NAME = "uv-cache"
LAYER = declare_cache(LAYER_NAME, "uv cache")


def uv_cache(ctx: BuildContext, output: Output) -> Path:
    return open_cache(ctx, LAYER, output)
