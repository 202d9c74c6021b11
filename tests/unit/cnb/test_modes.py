"""Everything a launch layer holds is readable by every user, whatever umask wrote it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cnb_python.cnb import tomlio
from cnb_python.cnb.env import LayerEnv, Scope
from cnb_python.cnb.launch import Launch, Process
from cnb_python.cnb.layers import (
    LayerMetadata,
    LayerTypes,
    Restored,
    cached_layer,
    fresh_layer,
    write_layer_toml,
)
from cnb_python.cnb.modes import make_readable, readable_mode


class Meta(LayerMetadata):
    version: str


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@given(st.integers(min_value=0, max_value=0o7777), st.booleans())
def test_a_readable_mode_is_readable_by_all_and_adds_no_write(bits: int, directory: bool) -> None:
    result = readable_mode(bits, directory=directory)
    assert result & 0o7000 == 0  # no set-id or sticky bit
    assert result & 0o644 == 0o644  # everyone reads, the owner writes
    assert result & 0o022 == bits & 0o022  # group and others gain no write access
    if directory or bits & 0o100:
        assert result & 0o111 == 0o111  # searchable, or executable by all
    else:
        assert result & 0o111 == bits & 0o111


def _tree(root: Path) -> None:
    (root / "closed" / "deeper").mkdir(parents=True)
    (root / "closed" / "deeper" / "secret.py").write_text("x = 1\n")
    (root / "program").write_text("#!/bin/sh\n")
    (root / "link").symlink_to("program")
    (root / "dangling").symlink_to("missing")
    (root / "program").chmod(0o700)
    (root / "closed" / "deeper" / "secret.py").chmod(0o600)
    (root / "closed" / "deeper").chmod(0o700)
    (root / "closed").chmod(0o000)


def test_make_readable_fixes_every_file_and_directory_and_skips_links(tmp_path: Path) -> None:
    root = tmp_path / "layer"
    root.mkdir(mode=0o700)
    _tree(root)

    assert make_readable(root) == 5
    assert mode(root) == 0o755
    assert mode(root / "closed") == 0o755
    assert mode(root / "closed" / "deeper") == 0o755
    assert mode(root / "closed" / "deeper" / "secret.py") == 0o644
    assert mode(root / "program") == 0o755
    assert make_readable(root) == 0


def test_files_we_write_are_readable_under_a_strict_umask(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    layers.mkdir()
    with umask(0o077):
        tomlio.write_atomic(layers / "x.toml", {"a": "b"})
        LayerEnv().override("PYTHONUNBUFFERED", "1").prepend_path(
            "PATH", "/x", scope=Scope.LAUNCH, process="web"
        ).write(layers / "python")
        Launch(processes=(Process("web", ("bash", "-c", "true"), default=True),)).write(layers)

    written = [
        layers / "x.toml",
        layers / "launch.toml",
        layers / "python" / "env" / "PYTHONUNBUFFERED.override",
        layers / "python" / "env.launch" / "web" / "PATH.prepend",
        layers / "python" / "env.launch" / "web" / "PATH.delim",
    ]
    assert {path.name: mode(path) for path in written} == {path.name: 0o644 for path in written}


def test_a_completed_launch_layer_is_readable_by_all_and_a_cache_layer_is_left_alone(
    tmp_path: Path,
) -> None:
    with umask(0o077):
        launch = cached_layer(tmp_path, "python", LayerTypes(launch=True), Meta, lambda _: [])
        cache = cached_layer(tmp_path, "pip-cache", LayerTypes(cache=True), Meta, lambda _: [])
        for layer in (launch, cache):
            (layer.path / "bin").mkdir()
            (layer.path / "bin" / "python").write_text("#!/bin/sh\n")
            (layer.path / "bin" / "python").chmod(0o700)
            layer.finish(Meta(version="1"))
        web = fresh_layer(tmp_path, "web")
        (web / "exec.d").mkdir()
        write_layer_toml(tmp_path, "web", LayerTypes(launch=True), None)

    assert mode(tmp_path / "python") == 0o755
    assert mode(tmp_path / "python" / "bin") == 0o755
    assert mode(tmp_path / "python" / "bin" / "python") == 0o755
    assert mode(tmp_path / "python.toml") == 0o644
    assert mode(tmp_path / "web" / "exec.d") == 0o755
    # Only the build reads a cache-only layer: nothing is widened there.
    assert mode(tmp_path / "pip-cache" / "bin" / "python") == 0o700


def test_a_restored_launch_layer_is_made_readable_when_it_is_kept(tmp_path: Path) -> None:
    # What an older release left: an env file written 0600, restored as it was.
    meta = Meta(version="1")
    layer = cached_layer(tmp_path, "venv", LayerTypes(launch=True), Meta, lambda _: [])
    (layer.path / "env").mkdir()
    (layer.path / "env" / "VIRTUAL_ENV.override").write_text("/layers/venv")
    layer.finish(meta)
    (layer.path / "env" / "VIRTUAL_ENV.override").chmod(0o600)

    kept = cached_layer(tmp_path, "venv", LayerTypes(launch=True), Meta, lambda _: [])
    assert isinstance(kept.state, Restored)
    assert mode(tmp_path / "venv" / "env" / "VIRTUAL_ENV.override") == 0o644


def test_a_restored_launch_layer_opened_for_an_update_is_walked_once_at_finish(
    tmp_path: Path,
) -> None:
    # The venv is refreshed on every rebuild: its thousands of files are walked once, when
    # the update is declared complete, not also when it is opened.
    meta = Meta(version="1")
    layer = cached_layer(tmp_path, "venv", LayerTypes(launch=True), Meta, lambda _: [])
    (layer.path / "env").mkdir()
    (layer.path / "env" / "VIRTUAL_ENV.override").write_text("/layers/venv")
    layer.finish(meta)
    (layer.path / "env" / "VIRTUAL_ENV.override").chmod(0o600)

    updated = cached_layer(
        tmp_path, "venv", LayerTypes(launch=True), Meta, lambda _: [], updating=True
    )
    assert isinstance(updated.state, Restored)
    assert not (tmp_path / "venv.toml").exists(), "untrusted until finish()"
    assert mode(tmp_path / "venv" / "env" / "VIRTUAL_ENV.override") == 0o600
    updated.finish(meta)
    assert mode(tmp_path / "venv" / "env" / "VIRTUAL_ENV.override") == 0o644
    assert (tmp_path / "venv.toml").exists()
