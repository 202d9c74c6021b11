"""Check kpack resources (parsed YAML) against kpack's own API description, without a cluster.

kpack's CRDs carry no schema (`x-kubernetes-preserve-unknown-fields`), so a cluster would take
a misspelt field silently and the resource would do nothing. Its release ships the OpenAPI 2.0
spec of its Go types instead (`api/openapi-spec/swagger.json`, definitions such as
`kpack.build.v1alpha2.ClusterBuilder`, with the Kubernetes types they use). `problems` walks a
resource through those definitions: every field must be declared, of the declared type, and
every required one present, except `status`, which the spec marks required because the Go
field has no `omitempty` but which only kpack's controllers write.

What kpack's admission webhook adds on top (say, a ClusterBuilder needs a tag) is not in the
spec; tests state those rules themselves, read from kpack's `*_validation.go`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

API_VERSION = "kpack.io/v1alpha2"
_DEFINITION_PREFIX = "kpack.build.v1alpha2."
_WRITTEN_BY_KPACK = frozenset({"status"})
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


class OpenAPI:
    def __init__(self, swagger: Path) -> None:
        self.definitions: dict[str, Any] = json.loads(swagger.read_text())["definitions"]

    def problems(self, resource: Any) -> list[str]:
        """Every way `resource` (one YAML document) is not a kpack v1alpha2 object."""
        if not isinstance(resource, dict):
            return ["(document): not a mapping"]
        kind = resource.get("kind", "")
        name = _DEFINITION_PREFIX + str(kind)
        if resource.get("apiVersion") != API_VERSION or name not in self.definitions:
            return [f"(document): {resource.get('apiVersion')}/{kind} is not a kpack v1alpha2 kind"]
        return self._check(resource, {"$ref": f"#/definitions/{name}"}, kind)

    def _check(self, value: Any, schema: dict[str, Any], where: str) -> list[str]:
        if "$ref" in schema:
            definition = schema["$ref"].rsplit("/", 1)[-1]
            return self._check(value, self.definitions[definition], where)
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind == "object":
            return self._object(value, schema, where)
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where}: {value!r} is not a list"]
            return [
                problem
                for index, item in enumerate(value)
                for problem in self._check(item, schema.get("items", {}), f"{where}[{index}]")
            ]
        expected = _TYPES.get(kind or "")
        # YAML's true is an int to isinstance: only a boolean field takes it.
        wrong_bool = isinstance(value, bool) and kind != "boolean"
        if expected and (wrong_bool or not isinstance(value, expected)):
            return [f"{where}: {value!r} is not a {kind}"]
        return []

    def _object(self, value: Any, schema: dict[str, Any], where: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not a mapping"]
        fields: dict[str, Any] | None = schema.get("properties")
        if fields is None:  # a map: every value has the same schema
            values = schema.get("additionalProperties") or {}
            return [p for k, v in value.items() for p in self._check(v, values, f"{where}.{k}")]
        problems = [f"{where}.{key}: no such field" for key in value if key not in fields]
        problems += [
            f"{where}.{key}: required, missing"
            for key in schema.get("required", ())
            if key not in value and key not in _WRITTEN_BY_KPACK
        ]
        for key, item in value.items():
            if key in fields:
                problems += self._check(item, fields[key], f"{where}.{key}")
        return problems
