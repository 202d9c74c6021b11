"""What the buildpack's own Pythons and tools see of the build env (no PYTHON* variables),
and what their output says about the disk."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cnb_python.managers.base import Tool
from cnb_python.proc import isolated_env, ran_out_of_disk

_NAMES = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)


@given(st.dictionaries(_NAMES, st.text(max_size=5)))
def test_only_python_variables_are_dropped(env: dict[str, str]) -> None:
    isolated = isolated_env(env)
    assert all(not name.startswith("PYTHON") for name in isolated)
    assert {k: v for k, v in env.items() if not k.startswith("PYTHON")} == isolated


def test_a_tool_gets_its_own_settings_back_after_isolation() -> None:
    tool = Tool("poetry", "2.0", ("poetry",), {"PYTHON_KEYRING_BACKEND": "null", "A": "tool"})
    env = {"PATH": "/bin", "PYTHONPATH": "/app", "PYTHONHOME": " ", "A": "build"}
    assert tool.run_env(env) == {"PATH": "/bin", "PYTHON_KEYRING_BACKEND": "null", "A": "tool"}


def test_a_full_disk_is_recognised_in_a_commands_output() -> None:
    assert ran_out_of_disk("OSError: [Errno 28] No space left on device: '/layers/venv/bin'")
    assert ran_out_of_disk("ERROR: Could not install packages: [Errno 122] Disk quota exceeded")
    assert not ran_out_of_disk("Error: Command '['/layers/venv/bin/python', '-Im']' failed")
