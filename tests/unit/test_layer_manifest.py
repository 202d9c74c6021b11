"""A layer is complete only when every entry its manifest lists is still there, unchanged."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cnb_python.layers import manifest

_NAMES = st.sampled_from(["bin", "lib", "python3", "os.py", "a b", "é"])
_TREE = st.dictionaries(
    st.lists(_NAMES, min_size=1, max_size=3).map("/".join),
    st.binary(min_size=0, max_size=20),
    min_size=1,
    max_size=12,
)


def _layer(root: Path, files: dict[str, bytes]) -> Path:
    layer = root / "layer"
    (layer / "bin").mkdir(parents=True)
    (layer / "bin" / "python").symlink_to("python3.12")
    for relative, data in files.items():
        path = layer / "lib" / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue  # a name already used the other way round
    return layer


@settings(max_examples=150, deadline=None)
@given(_TREE, st.data())
def test_a_missing_or_changed_entry_makes_the_layer_incomplete(
    files: dict[str, bytes], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        layer = _layer(Path(scratch), files)
        listed = manifest.entries(layer)
        assert manifest.write(layer) == len(listed)
        assert manifest.is_complete(layer)

        (layer / "added-later.pyc").write_bytes(b"x")
        assert manifest.is_complete(layer), "entries added after the manifest are fine"

        victim = data.draw(st.sampled_from([path for path, _, _ in listed]))
        path = layer / victim
        if path.is_symlink() or path.is_file():
            if path.is_file() and not path.is_symlink() and data.draw(st.booleans()):
                path.write_bytes(path.read_bytes() + b"!")  # truncated or grown
            else:
                path.unlink()
        else:
            for child in sorted(path.rglob("*"), reverse=True):
                child.unlink() if not child.is_dir() or child.is_symlink() else child.rmdir()
            path.rmdir()
        assert not manifest.is_complete(layer)


def test_no_manifest_or_a_damaged_one_is_incomplete(tmp_path: Path) -> None:
    layer = _layer(tmp_path, {"lib/os.py": b"# os"})
    assert not manifest.is_complete(layer)
    manifest.write(layer)
    (layer / manifest.FILE_NAME).write_bytes(b"not gzip")
    assert not manifest.is_complete(layer)
    (layer / manifest.FILE_NAME).write_bytes(b"")
    assert not manifest.is_complete(layer)
