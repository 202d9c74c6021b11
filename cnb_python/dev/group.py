"""Plan resolution for a group of one buildpack, as the lifecycle's detector does it.

lc `phase/detector.go`: each passing buildpack offers its top-level `provides`/`requires` and
then one option per `[[or]]`; the first option that resolves wins. Within an option a require
needs a provide from the same or an earlier buildpack, and a provide needs a require from the
same or a later one; otherwise the group fails (detector exit 20). With one buildpack, a
provide nobody requires fails as surely as a require nobody provides: the usual trick is to
require what you provide. The result is the buildpack plan `bin/build` receives: every require
of a name the buildpack provides, with its metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.errors import DevDetectError


def _names(entries: Any) -> list[str]:
    return [str(entry.get("name", "")) for entry in entries or []]


def _problems(option: Mapping[str, Any]) -> list[str]:
    provided = set(_names(option.get("provides")))
    required = set(_names(option.get("requires")))
    problems = [
        f"requires {name!r}, which nothing provides" for name in sorted(required - provided)
    ]
    problems += [
        f"provides {name!r}, which nothing requires" for name in sorted(provided - required)
    ]
    return problems


def resolve(buildpack_id: str, plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The buildpack plan entries for the first option of `plan` that resolves."""
    options: list[Mapping[str, Any]] = [plan, *(plan.get("or") or [])]
    failures: list[str] = []
    for index, option in enumerate(options):
        problems = _problems(option)
        if not problems:
            entries = []
            for require in option.get("requires") or []:
                entry: dict[str, Any] = {"name": require["name"]}
                if "metadata" in require:
                    entry["metadata"] = require["metadata"]
                entries.append(entry)
            return entries
        where = "the top-level plan" if index == 0 else f"[[or]] alternative {index}"
        failures.append(f"{where} {'; '.join(problems)}")
    raise DevDetectError(
        buildpack_id,
        "no build plan resolves, so the lifecycle's detector would exit 20: "
        + " | ".join(failures),
    )


def write_buildpack_plan(path: Path, entries: list[dict[str, Any]]) -> None:
    """`[[entries]]` with name and metadata (lc `buildpack/build.go`, `prepareInputPaths`)."""
    tomlio.write_atomic(path, {"entries": entries} if entries else {})
