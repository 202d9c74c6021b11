"""Every limit that bounds the build's memory, disk and time, and the setting that changes it.

Hostile or careless input (a decompression bomb served with a matching checksum, a catalog
server that never stops sending, a hook that hangs, a 2 GiB "Pipfile.lock") must end in one
clear message, not in a full disk, an exhausted memory or a build that never ends. Each limit
is generous: real apps and runtimes stay far below it (docs/limits.md says why each value was
chosen). Each can be changed with a `BP_PYTHON_*` setting in the platform env; every setting is
checked at the start of the build (`check_settings`), so a mistyped one is refused before the
first download, not when the step that reads it finally runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cnb_python.errors import InvalidLimitSetting

MIB = 1024 * 1024
MAX_DIGITS = 12


@dataclass(frozen=True)
class Limit:
    """One limit: its setting, default and unit (as the docs and messages spell it)."""

    setting: str
    default: int
    unit: str
    what: str  # for docs and messages: "the size of an app file the build parses"

    def read(self, platform_env: Mapping[str, str]) -> int:
        """The value in effect: the setting when set, else the default."""
        value = platform_env.get(self.setting, "").strip()
        if not value:
            return self.default
        # At most MAX_DIGITS digits: int() refuses very long ones, and no limit needs more.
        if not value.isdecimal() or len(value) > MAX_DIGITS or int(value) < 1:
            raise InvalidLimitSetting(self.setting, value, self.unit, self.default, MAX_DIGITS)
        return int(value)

    def describe(self, value: int) -> str:
        """`64 MiB (BP_PYTHON_MAX_APP_FILE_MIB)`: how a message names the limit in effect."""
        return f"{value} {self.unit} ({self.setting})"


MAX_APP_FILE_MIB = Limit(
    "BP_PYTHON_MAX_APP_FILE_MIB", 64, "MiB", "the size of an app file the build parses"
)
MAX_CATALOG_MIB = Limit(
    "BP_PYTHON_MAX_CATALOG_MIB", 16, "MiB", "the size of the catalog BP_PYTHON_CATALOG names"
)
MAX_RUNTIME_MIB = Limit(
    "BP_PYTHON_MAX_RUNTIME_MIB", 4096, "MiB", "the unpacked size of a runtime archive"
)
MAX_RUNTIME_RATIO = Limit(
    "BP_PYTHON_MAX_RUNTIME_RATIO",
    50,
    "times",
    "how many times its own size a runtime archive may unpack to (above 64 MiB)",
)
MAX_RUNTIME_FILES = Limit(
    "BP_PYTHON_MAX_RUNTIME_FILES", 200_000, "entries", "the entries of a runtime archive"
)

DOWNLOAD_TIMEOUT = Limit(
    "BP_PYTHON_DOWNLOAD_TIMEOUT",
    900,
    "seconds",
    "how long one download may take, every attempt and pause included",
)
DOWNLOAD_MIN_KIB_PER_SECOND = Limit(
    "BP_PYTHON_DOWNLOAD_MIN_KIB_PER_SECOND",
    32,
    "KiB/s",
    "the slowest transfer a download attempt accepts, over any 30 seconds",
)
CATALOG_TIMEOUT = Limit(
    "BP_PYTHON_CATALOG_TIMEOUT", 60, "seconds", "how long fetching the catalog may take"
)

HOOK_TIMEOUT = Limit(
    "BP_PYTHON_HOOK_TIMEOUT",
    1800,
    "seconds",
    "how long bin/pre_compile or bin/post_compile may run",
)
INSTALL_TIMEOUT = Limit(
    "BP_PYTHON_INSTALL_TIMEOUT",
    3600,
    "seconds",
    "how long each command that installs the app's dependencies or the build's tools may run",
)
COLLECTSTATIC_TIMEOUT = Limit(
    "BP_PYTHON_COLLECTSTATIC_TIMEOUT",
    900,
    "seconds",
    "how long each `manage.py` command of Django's collectstatic step may run",
)

ALL: tuple[Limit, ...] = (
    MAX_APP_FILE_MIB,
    MAX_CATALOG_MIB,
    MAX_RUNTIME_MIB,
    MAX_RUNTIME_RATIO,
    MAX_RUNTIME_FILES,
    DOWNLOAD_TIMEOUT,
    DOWNLOAD_MIN_KIB_PER_SECOND,
    CATALOG_TIMEOUT,
    HOOK_TIMEOUT,
    INSTALL_TIMEOUT,
    COLLECTSTATIC_TIMEOUT,
)


def check_settings(platform_env: Mapping[str, str]) -> None:
    """Refuse the first limit setting that is not a positive whole number."""
    for limit in ALL:
        limit.read(platform_env)
