"""The declared layers (`layers.declared`, collected by `layers.registry`).

The build removes every layer not in `KNOWN_LAYER_NAMES` (layers an older release left), so the
set must be exactly what the modules declare; every integration build checks that it leaves no
other layer behind (`tests/support/devbuild.py`). Each cached layer's metadata model is its
cache key, so a change of any one field alone must give a reason to discard it.
"""

from __future__ import annotations

from typing import Any

import pytest

from cnb_python.cnb.layers import LayerMetadata, validate_layer_name
from cnb_python.layers import venv
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.registry import DECLARED, KNOWN_LAYER_NAMES


def test_every_declared_name_is_a_valid_layer_name() -> None:
    assert {"python", "venv", "pip", "pip-cache", "uv", "uv-cache", "pipenv", "poetry"} <= (
        KNOWN_LAYER_NAMES
    )
    assert {"poetry-cache", "web-concurrency"} <= KNOWN_LAYER_NAMES
    for name in KNOWN_LAYER_NAMES:
        validate_layer_name(name)


def test_one_name_is_one_layer() -> None:
    # The venv is declared twice (two reuse rules) but is one layer: same types, same model.
    by_name: dict[str, Any] = {}
    for layer in DECLARED:
        model = layer.model if isinstance(layer, CachedLayerDecl) else None
        seen = by_name.setdefault(layer.name, (layer.types, model))
        assert seen == (layer.types, model), layer.name


CACHED = [layer for layer in DECLARED if isinstance(layer, CachedLayerDecl)]
SYNCED_INPUTS = ("files", "index_settings", "options")
# Field values where "a" and "b" would not be meaningful keys.
SAMPLES: dict[str, tuple[str, str]] = {
    "files": ('{"requirements.txt":"1"}', '{"requirements.txt":"2"}'),
    "index_settings": ("hmac-sha256:1", "hmac-sha256:2"),
}


@pytest.mark.parametrize(
    "layer",
    CACHED,
    ids=[layer.name + ("-synced" if layer is venv.SYNCED_LAYER else "") for layer in CACHED],
)
def test_every_field_of_the_key_has_a_reason_when_it_alone_changes(
    layer: CachedLayerDecl[LayerMetadata],
) -> None:
    fields = list(layer.model.model_fields)
    base = layer.model(**{name: SAMPLES.get(name, ("a", "b"))[0] for name in fields})
    assert layer.invalidation_reasons(base, base) == []
    for name in fields:
        if layer is venv.SYNCED_LAYER and name in SYNCED_INPUTS:
            continue  # a syncing manager refreshes the venv for these (test_venv_key.py)
        changed = base.model_copy(update={name: SAMPLES.get(name, ("a", "b"))[1]})
        reasons = layer.invalidation_reasons(base, changed)
        assert reasons, f"{layer.name}: {name} changed alone, and no reason"
        assert all(isinstance(reason, str) and reason for reason in reasons)
