"""Env files: the lifecycle's algebra (vectors ported from lc `env/env_test.go`) and our writer.

The reading half must reproduce the lifecycle exactly, quirks included, because the build and
the local platform rely on it to predict what later buildpacks and the launcher will see.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.cnb.env import (
    LayerEnv,
    Scope,
    apply_env_dir,
    apply_layer_for_build,
    apply_platform_env,
    prepend_layer_paths,
)
from cnb_python.errors import InvalidEnvFileName


def _files(directory: Path, content: str, *names: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_text(content)


# --- lc env_test.go "env files have a suffix" / "performs the matching action" ---------------


@pytest.fixture
def suffixed_dir(tmp_path: Path) -> Path:
    d = tmp_path / "env"
    (d / "some-dir").mkdir(parents=True)
    _files(d, "value-append", "VAR_APPEND.append", "VAR_APPEND_NEW.append")
    _files(d, "value-append-delim", "VAR_APPEND_DELIM.append", "VAR_APPEND_DELIM_NEW.append")
    _files(d, "[]", "VAR_APPEND_DELIM.delim", "VAR_APPEND_DELIM_NEW.delim")
    _files(d, "value-prepend", "VAR_PREPEND.prepend", "VAR_PREPEND_NEW.prepend")
    _files(d, "value-prepend-delim", "VAR_PREPEND_DELIM.prepend", "VAR_PREPEND_DELIM_NEW.prepend")
    _files(d, "[]", "VAR_PREPEND_DELIM.delim", "VAR_PREPEND_DELIM_NEW.delim")
    _files(d, "value-default", "VAR_DEFAULT.default", "VAR_DEFAULT_NEW.default")
    _files(d, "value-override", "VAR_OVERRIDE.override", "VAR_OVERRIDE_NEW.override")
    _files(d, "value-ignore", "VAR_IGNORE.ignore")
    return d


def test_performs_the_matching_action(suffixed_dir: Path) -> None:
    env = {
        "VAR_APPEND": "value-append-orig",
        "VAR_APPEND_DELIM": "value-append-delim-orig",
        "VAR_PREPEND": "value-prepend-orig",
        "VAR_PREPEND_DELIM": "value-prepend-delim-orig",
        "VAR_DEFAULT": "value-default-orig",
        "VAR_OVERRIDE": "value-override-orig",
    }
    apply_env_dir(env, suffixed_dir)
    assert env == {
        # no .delim: the values are glued together (spec issue #285)
        "VAR_APPEND": "value-append-origvalue-append",
        "VAR_APPEND_DELIM": "value-append-delim-orig[]value-append-delim",
        # no old value: no delimiter
        "VAR_APPEND_DELIM_NEW": "value-append-delim",
        "VAR_APPEND_NEW": "value-append",
        "VAR_DEFAULT": "value-default-orig",
        "VAR_DEFAULT_NEW": "value-default",
        "VAR_OVERRIDE": "value-override",
        "VAR_OVERRIDE_NEW": "value-override",
        "VAR_PREPEND": "value-prependvalue-prepend-orig",
        "VAR_PREPEND_DELIM": "value-prepend-delim[]value-prepend-delim-orig",
        "VAR_PREPEND_DELIM_NEW": "value-prepend-delim",
        "VAR_PREPEND_NEW": "value-prepend",
    }


def test_no_suffix_overrides_and_ignores_the_delimiter(tmp_path: Path) -> None:
    d = tmp_path / "env"
    (d / "some-dir").mkdir(parents=True)
    _files(d, "value-normal", "VAR_NORMAL", "VAR_NORMAL_NEW")
    _files(d, "value-normal-delim", "VAR_NORMAL_DELIM", "VAR_NORMAL_DELIM_NEW")
    _files(d, "[]", "VAR_NORMAL_DELIM.delim", "VAR_NORMAL_DELIM_NEW.delim")
    env = {"VAR_NORMAL": "value-normal-orig", "VAR_NORMAL_DELIM": "value-normal-delim-orig"}
    apply_env_dir(env, d)
    assert env == {
        "VAR_NORMAL": "value-normal",
        "VAR_NORMAL_DELIM": "value-normal-delim",
        "VAR_NORMAL_DELIM_NEW": "value-normal-delim",
        "VAR_NORMAL_NEW": "value-normal",
    }


def test_default_treats_an_empty_value_as_unset(tmp_path: Path) -> None:
    _files(tmp_path / "env", "fallback", "EMPTY.default")
    env = {"EMPTY": ""}
    apply_env_dir(env, tmp_path / "env")
    assert env == {"EMPTY": "fallback"}


def test_files_apply_in_lexical_order_and_content_is_verbatim(tmp_path: Path) -> None:
    d = tmp_path / "env"
    _files(d, "first\n", "VAR.append")  # a trailing newline stays in the value
    _files(d, "second", "VAR.override")  # "VAR.override" sorts after "VAR.append"
    _files(d, "x", "VAR.prepend.txt")  # unknown suffix: ignored
    env: dict[str, str] = {}
    apply_env_dir(env, d)
    assert env == {"VAR": "second"}
    _files(d, "", "VAR.override")
    env = {}
    (d / "VAR.override").unlink()
    apply_env_dir(env, d)
    assert env == {"VAR": "first\n"}


def test_symlinks_to_files_apply_and_to_dirs_are_skipped(tmp_path: Path) -> None:
    d = tmp_path / "env"
    (d / "some-dir").mkdir(parents=True)
    _files(d, "value-normal", "VAR_NORMAL")
    (d / "VAR_SYM").symlink_to(d / "VAR_NORMAL")
    (d / "some-sym-dir").symlink_to(d / "some-dir")
    env: dict[str, str] = {}
    apply_env_dir(env, d)
    assert env == {"VAR_NORMAL": "value-normal", "VAR_SYM": "value-normal"}


def test_a_missing_directory_changes_nothing(tmp_path: Path) -> None:
    env = {"A": "1"}
    apply_env_dir(env, tmp_path / "absent")
    assert env == {"A": "1"}


# --- lc env_test.go "#AddRootDir" and "#WithOverrides" ----------------------------------------


def test_layer_paths_prepend_with_colon(tmp_path: Path) -> None:
    for sub in ("bin", "lib", "include", "pkgconfig"):
        (tmp_path / sub).mkdir()
    env = {"PATH": "some", "LD_LIBRARY_PATH": "some-ld", "LIBRARY_PATH": "some-library"}
    prepend_layer_paths(env, tmp_path, for_launch=False)
    assert env == {
        "PATH": f"{tmp_path}/bin:some",
        "LD_LIBRARY_PATH": f"{tmp_path}/lib:some-ld",
        "LIBRARY_PATH": f"{tmp_path}/lib:some-library",
        "CPATH": f"{tmp_path}/include",
        "PKG_CONFIG_PATH": f"{tmp_path}/pkgconfig",
    }


def test_launch_paths_are_only_bin_and_lib(tmp_path: Path) -> None:
    for sub in ("bin", "lib", "include", "pkgconfig"):
        (tmp_path / sub).mkdir()
    env: dict[str, str] = {}
    prepend_layer_paths(env, tmp_path, for_launch=True)
    assert env == {"PATH": f"{tmp_path}/bin", "LD_LIBRARY_PATH": f"{tmp_path}/lib"}


def test_only_existing_subdirectories_are_added(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    env = {"LD_LIBRARY_PATH": "orig"}
    prepend_layer_paths(env, tmp_path, for_launch=False)
    assert env == {"PATH": f"{tmp_path}/bin", "LD_LIBRARY_PATH": "orig"}


def test_platform_env_overrides_and_prepends_path_variables(tmp_path: Path) -> None:
    d = tmp_path / "env"
    (d / "some-dir").mkdir(parents=True)
    _files(d, "value-path", "PATH")
    _files(d, "value-ld-library-path", "LD_LIBRARY_PATH")
    _files(d, "value-library-path", "LIBRARY_PATH")
    _files(d, "value-normal", "VAR_NORMAL")
    _files(d, "value-override", "VAR_OVERRIDE")
    (d / "some-sym-dir").symlink_to(d / "some-dir")
    (d / "VAR_SYM").symlink_to(d / "VAR_NORMAL")
    env = {
        "VAR_EMPTY": "",
        "VAR_OVERRIDE": "value-override-orig",
        "PATH": "value-path-orig",
        "LD_LIBRARY_PATH": "value-ld-library-path-orig1:value-ld-library-path-orig2",
    }
    apply_platform_env(env, tmp_path)
    assert env == {
        "LD_LIBRARY_PATH": (
            "value-ld-library-path:value-ld-library-path-orig1:value-ld-library-path-orig2"
        ),
        "LIBRARY_PATH": "value-library-path",
        "PATH": "value-path:value-path-orig",
        "VAR_EMPTY": "",
        "VAR_NORMAL": "value-normal",
        "VAR_OVERRIDE": "value-override",
        "VAR_SYM": "value-normal",
    }


def test_build_application_order_is_paths_then_env_then_env_build(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    (layer / "bin").mkdir(parents=True)
    _files(layer / "env", "from-env", "ORDER.override")
    _files(layer / "env.build", "from-env-build", "ORDER.override")
    _files(layer / "env.launch", "from-launch", "LAUNCH_ONLY.override")
    # An env file can see (and here replace) the PATH the layer's bin/ was put on.
    _files(layer / "env", "/front", "PATH.prepend")
    _files(layer / "env", ":", "PATH.delim")
    env = {"PATH": "/usr/bin"}
    apply_layer_for_build(env, layer)
    assert env == {"PATH": f"/front:{layer}/bin:/usr/bin", "ORDER": "from-env-build"}


# --- our writer ---------------------------------------------------------------------------


def test_writer_shapes(tmp_path: Path) -> None:
    (
        LayerEnv()
        .override("PYTHONUNBUFFERED", "1")
        .default("WEB_CONCURRENCY", "2", scope=Scope.LAUNCH)
        .prepend_path("CPATH", "/layers/p/include/python3.12", scope=Scope.BUILD)
        .append_path("PYTHONPATH", "/extra")
        .override("PORT", "8080", scope=Scope.LAUNCH, process="web")
        .write(tmp_path)
    )
    files = {
        str(p.relative_to(tmp_path)): p.read_text() for p in tmp_path.rglob("*") if p.is_file()
    }
    assert files == {
        "env/PYTHONUNBUFFERED.override": "1",
        "env/PYTHONPATH.append": "/extra",
        "env/PYTHONPATH.delim": ":",
        "env.build/CPATH.prepend": "/layers/p/include/python3.12",
        "env.build/CPATH.delim": ":",
        "env.launch/WEB_CONCURRENCY.default": "2",
        "env.launch/web/PORT.override": "8080",
    }
    assert not any(text.endswith("\n") for text in files.values())


def test_written_files_read_back_as_intended(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    LayerEnv().prepend_path("PATH", "/opt/x/bin").default("LANG", "C.UTF-8").write(layer)
    env = {"PATH": "/usr/bin", "LANG": "en_US.UTF-8"}
    apply_layer_for_build(env, layer)
    assert env == {"PATH": "/opt/x/bin:/usr/bin", "LANG": "en_US.UTF-8"}


@pytest.mark.parametrize(
    ("name", "reason"),
    [("", "empty"), ("A.B", "'.'"), ("A/B", "'/'")],
)
def test_writer_rejects_names_no_file_can_hold(name: str, reason: str) -> None:
    with pytest.raises(InvalidEnvFileName, match=reason):
        LayerEnv().override(name, "x")


@pytest.mark.parametrize("process", ["web/x", "", "we b", ".."])
def test_writer_rejects_bad_process_types(process: str) -> None:
    with pytest.raises(InvalidEnvFileName):
        LayerEnv().override("A", "x", scope=Scope.LAUNCH, process=process)


def test_writer_rejects_a_process_outside_launch_scope() -> None:
    with pytest.raises(InvalidEnvFileName, match=r"Scope\.LAUNCH"):
        LayerEnv().override("A", "x", process="web")


def test_writer_rejects_two_files_for_one_variable_and_action() -> None:
    env = LayerEnv().prepend_path("PATH", "/a")
    with pytest.raises(InvalidEnvFileName, match="already set"):
        env.prepend_path("PATH", "/b")
    with pytest.raises(InvalidEnvFileName, match="same delimiter"):
        env.append_path("PATH", "/c", delim=";")
