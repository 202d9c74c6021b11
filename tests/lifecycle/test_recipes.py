"""The "Recipes" of docs/operators.md, checked as far as the tools here can check them.

- builder.toml: pack's own reader (`pack builder create --publish` with the network closed
  reads, decodes strictly and validates the file, then stops at fetching the run image), and
  its `[[order]]` as the real lifecycle's order.toml, with our package and a stand-in for
  Paketo's Procfile buildpack (tests/fixtures/buildpacks/procfile), building and launching;
- publishing: the shell block run verbatim, up to the push no registry here can take;
- kpack: the YAML against kpack's v1alpha2 OpenAPI spec (tests/support/kpack.py) and the
  fields its admission webhook requires.

What none of this can check (making a builder image, pushing, a kpack cluster) the docs say.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cnb_python.cnb import tomlio
from tests.lifecycle.conftest import (
    ARCH,
    PYTHON_ID,
    TEST_BUILDPACKS,
    Buildpacks,
    Packaged,
    PlatformFactory,
    fixture_app,
    http_get,
    run_documented,
)
from tests.support import oci
from tests.support.docs import documented
from tests.support.kpack import OpenAPI
from tests.support.lifecycle import BuildpackRef, Tools
from tests.support.serving import free_port

REPO = Path(__file__).parents[2]
PROCFILE_ID = "paketo-buildpacks/procfile"
# pack fetches the run image only once the whole file has been read and validated.
PAST_PACKS_CHECKS = "invalid run image config: failed to fetch image"
# A proxy on a closed loopback port: every registry pack reaches for is refused at once.
CLOSED = "http://127.0.0.1:9"


def _builder() -> dict[str, Any]:
    return tomlio.loads(documented("builder-toml"))


def _kpack() -> dict[str, dict[str, Any]]:
    documents = list(yaml.safe_load_all(documented("kpack")))
    return {document["kind"]: document for document in documents}


def _pin_version(pin_file: str) -> str:
    lines = [line for line in (REPO / "requirements" / pin_file).read_text().splitlines()
             if line.strip() and not line.startswith("#")]  # fmt: skip
    return lines[0].split()[1].removeprefix("v")


def _groups(order: list[dict[str, Any]]) -> list[list[tuple[str, str, bool]]]:
    return [
        [(e["id"], str(e.get("version", "")), bool(e.get("optional"))) for e in o["group"]]
        for o in order
    ]


def test_the_builder_toml_names_our_release_the_tested_lifecycle_and_the_stand_in() -> None:
    builder = _builder()
    ours, procfile = BuildpackRef.of(REPO), BuildpackRef.of(TEST_BUILDPACKS / "procfile")
    listed = {(bp["id"], bp["version"]) for bp in builder["buildpacks"]}
    assert listed == {(ours.id, ours.version), (procfile.id, procfile.version)}
    assert f"docker://registry.example/cnb-python:{ours.version}" in {
        bp["uri"] for bp in builder["buildpacks"]
    }
    assert builder["lifecycle"]["version"] == _pin_version("lifecycle.txt")
    assert _groups(builder["order"]) == [
        [(ours.id, ours.version, False), (procfile.id, procfile.version, True)]
    ]


def _pack_builder_create(tools: Tools, config: Path, home: Path) -> str:
    assert tools.pack is not None, "pack is not installed: run scripts/install-lifecycle"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),  # no ~/.pack/config.toml of this machine's
        "HTTPS_PROXY": CLOSED,
        "HTTP_PROXY": CLOSED,
        "DOCKER_HOST": "unix:///nonexistent/docker.sock",
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [str(tools.pack), "builder", "create", "registry.example/python-builder:jammy",
         "--config", str(config), "--publish"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode != 0, done.stdout  # it cannot have pushed anything
    return done.stdout


def test_pack_reads_and_validates_the_builder_toml_recipe(tools: Tools, tmp_path: Path) -> None:
    recipe = documented("builder-toml")
    config = tmp_path / "builder.toml"
    config.write_text(recipe)

    log = _pack_builder_create(tools, config, tmp_path / "home")
    assert PAST_PACKS_CHECKS in log, log
    assert "run-jammy-base" in log, log

    # The same run can fail on the file: a misspelt key, and a required image left out.
    config.write_text(recipe.replace("optional = true", "optinal = true"))
    log = _pack_builder_create(tools, config, tmp_path / "home")
    assert "unknown configuration element 'order.group.optinal'" in log, log
    build_image = next(line for line in recipe.splitlines() if line.startswith("image = "))
    config.write_text(recipe.replace(build_image, ""))
    log = _pack_builder_create(tools, config, tmp_path / "home")
    assert "invalid builder config: build.image is required" in log, log


def _group(platform: Any, image: str) -> list[str]:
    """The buildpacks of the group that built `image`, in order (from the image's label)."""
    meta = platform.image(image).label_json(oci.LIFECYCLE_METADATA_LABEL)
    return [buildpack["key"] for buildpack in meta["buildpacks"]]


def _processes(platform: Any, image: str) -> dict[str, str]:
    """Each process type of `image` and the buildpack that defined it."""
    meta = platform.image(image).label_json(oci.BUILD_METADATA_LABEL)
    return {process["type"]: process["buildpackID"] for process in meta.get("processes") or []}


def test_the_builder_toml_order_builds_and_launches_apps_with_and_without_a_procfile(
    lifecycle_platform: PlatformFactory,
    buildpacks: Buildpacks,
    platform_env: dict[str, str],
    tmp_path: Path,
) -> None:
    platform = lifecycle_platform(order=_builder()["order"])

    build = platform.build(fixture_app("procfile_basic"), env=platform_env)
    assert build.ok, build.output
    assert _group(platform, "app") == [PYTHON_ID, PROCFILE_ID]
    # The later buildpack's process of a type replaces ours.
    assert _processes(platform, "app") == {"web": PROCFILE_ID, "worker": PROCFILE_ID}
    port, log = free_port(), tmp_path / "web.log"
    with platform.launched(env={"PORT": str(port)}, log=log):
        assert "hello from procfile" in http_get(port, "/index.html", log)
    python = platform.run(
        ["/cnb/lifecycle/launcher", "python", "-c", "import sys; print(sys.prefix)"]
    )
    assert python.stdout.strip() == "/layers/cnb-python_python/venv", python.stdout

    # No Procfile: the optional buildpack does not detect, and the group still passes.
    app = tmp_path / "no-procfile"
    shutil.copytree(fixture_app("pip_basic"), app)
    (app / "Procfile").unlink()
    build = platform.build(app, env=platform_env, image="no-procfile")
    assert build.ok, build.output
    assert _group(platform, "no-procfile") == [PYTHON_ID]
    done = platform.run(["/cnb/lifecycle/launcher", "python", "app.py"], image="no-procfile")
    assert "six 1.17.0 idna 3.10" in done.stdout, done.stdout


@pytest.mark.skipif(ARCH != "amd64", reason="the documented publishing commands are amd64's")
def test_the_publishing_commands_run_as_written_up_to_the_push(
    tools: Tools, packaged: Packaged, tmp_path: Path
) -> None:
    done = run_documented("publish", tmp_path, tools, packaged.catalog_url, check=False)

    assert done.returncode != 0, done.stdout  # registry.example never resolves
    assert (tmp_path / "dist" / "amd64" / "runtime").is_dir(), done.stdout
    last = done.stdout.rsplit("+ pack buildpack package ", 1)
    assert len(last) == 2, done.stdout
    # pack made the image and failed only when it saved it to the registry.
    assert "saving image: failed to write image to the following tags: " in last[1], done.stdout
    assert "[registry.example/cnb-python:" in last[1], done.stdout
    # The Buildpack Registry takes `namespace/name` ids only (pack `parseID`).
    assert len(BuildpackRef.of(tmp_path / "dist" / "amd64").id.split("/")) == 2


# Fields kpack's admission webhook requires beyond the OpenAPI spec, with the values it allows
# (None: any non-empty value). From kpack's pkg/apis/build/v1alpha2/*_validation.go.
WEBHOOK_REQUIRED: dict[str, dict[str, frozenset[str] | None]] = {
    "ClusterStore": {"spec.sources": None},
    "ClusterStack": {"spec.id": None, "spec.buildImage.image": None, "spec.runImage.image": None},
    "ClusterBuilder": {
        "spec.tag": None,
        "spec.serviceAccountRef.name": None,
        "spec.serviceAccountRef.namespace": None,
        "spec.stack.name": None,
        "spec.stack.kind": frozenset({"ClusterStack"}),
        "spec.store.name": None,
        "spec.store.kind": frozenset({"ClusterStore"}),
    },
    "Image": {
        "spec.tag": None,
        "spec.builder.name": None,
        "spec.builder.kind": frozenset({"Builder", "ClusterBuilder"}),
        "spec.source": None,
    },
}


def _at(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _webhook_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    for path, allowed in WEBHOOK_REQUIRED[document["kind"]].items():
        value = _at(document, path)
        if not value or (allowed is not None and value not in allowed):
            problems.append(f"{document['kind']}.{path}: {value!r}")
    return problems


@pytest.fixture
def kpack_api(tools: Tools) -> OpenAPI:
    assert tools.kpack_openapi is not None, (
        "kpack's API spec is missing: run scripts/install-lifecycle"
    )
    return OpenAPI(tools.kpack_openapi)


def test_the_kpack_recipe_is_kpack_v1alpha2_with_the_builder_toml_order(
    kpack_api: OpenAPI,
) -> None:
    resources = _kpack()
    assert list(resources) == ["ClusterStore", "ClusterStack", "ClusterBuilder", "Image"]
    for document in resources.values():
        assert kpack_api.problems(document) == [], document["kind"]
        assert _webhook_problems(document) == [], document["kind"]

    builder, store, stack = (
        resources[k] for k in ("ClusterBuilder", "ClusterStore", "ClusterStack")
    )
    toml = _builder()
    assert _groups(builder["spec"]["order"]) == _groups(toml["order"])
    assert [s["image"] for s in store["spec"]["sources"]] == [
        bp["uri"].removeprefix("docker://") for bp in toml["buildpacks"]
    ]
    assert stack["spec"]["buildImage"]["image"] == toml["build"]["image"]
    assert stack["spec"]["runImage"]["image"] == toml["run"]["images"][0]["image"]
    assert builder["spec"]["stack"]["name"] == stack["metadata"]["name"]
    assert builder["spec"]["store"]["name"] == store["metadata"]["name"]
    assert resources["Image"]["spec"]["builder"]["name"] == builder["metadata"]["name"]


def test_the_kpack_check_finds_a_misspelt_field_a_wrong_type_and_a_missing_one(
    kpack_api: OpenAPI,
) -> None:
    builder = _kpack()["ClusterBuilder"]

    misspelt = copy.deepcopy(builder)
    misspelt["spec"]["order"][0]["group"][1]["optinal"] = True
    assert kpack_api.problems(misspelt) == [
        "ClusterBuilder.spec.order[0].group[1].optinal: no such field"
    ]
    wrong = copy.deepcopy(builder)
    wrong["spec"]["order"][0]["group"][1]["optional"] = "yes"
    assert kpack_api.problems(wrong) == [
        "ClusterBuilder.spec.order[0].group[1].optional: 'yes' is not a boolean"
    ]
    image = copy.deepcopy(_kpack()["Image"])
    del image["spec"]["tag"]
    assert kpack_api.problems(image) == ["Image.spec.tag: required, missing"]
    assert _webhook_problems(image) == ["Image.spec.tag: None"]
