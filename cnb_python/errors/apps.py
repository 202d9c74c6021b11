"""How the app starts and what runs around it: hooks, Django."""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, Message


def _exit_description(status: int) -> str:
    return f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"


@dataclass(eq=False)
class HookFailed(BuildpackError):
    """bin/pre_compile or bin/post_compile exited non-zero; its output is already in the log."""

    name: str
    status: int

    def message(self) -> Message:
        found = [f"bin/{self.name} {_exit_description(self.status)} (its output is above)."]
        if self.status in (126, 127):
            found.append(
                "Status 126 or 127 usually means a program could not be started: check the "
                "#! line of the script and the commands it calls."
            )
        when = (
            "It runs before Python is installed, so the app's Python and packages are not "
            "available yet."
            if self.name == "pre_compile"
            else "It runs after the dependencies and static files, with the virtual "
            "environment's bin first on PATH."
        )
        return Message(
            title=f"Failed to run the bin/{self.name} script",
            found=(*found, when),
            fix=(
                f"Fix bin/{self.name} so it exits with status 0; run it locally from the app "
                "directory to reproduce.",
                f"Or delete bin/{self.name} if the app no longer needs it.",
            ),
        )


@dataclass(eq=False)
class HookTimedOut(BuildpackError):
    """bin/pre_compile or bin/post_compile ran past its time limit and was stopped."""

    name: str
    seconds: float
    setting: str

    def message(self) -> Message:
        return Message(
            title=f"bin/{self.name} did not finish within {self.seconds:g} s",
            found=(
                f"It was stopped after {self.seconds:g} s, the limit set by {self.setting} "
                "(its output is above).",
                "Its standard input is closed during the build: a hook that waits for an "
                "answer waits forever.",
            ),
            fix=(
                f"Find what bin/{self.name} waits for (a prompt, a service the build cannot "
                "reach, a lock) and make it finish; run it locally from the app directory to "
                "reproduce.",
                f"If it really needs longer, raise {self.setting} (seconds) in the platform "
                "env (docs/limits.md).",
            ),
        )


_COLLECTSTATIC_OPT_OUT = (
    "To build without collecting static files, set DISABLE_COLLECTSTATIC=1 in the build "
    "environment (pack build --env DISABLE_COLLECTSTATIC=1, or project.toml)."
)


@dataclass(eq=False)
class DjangoInspectionFailed(BuildpackError):
    """`manage.py help collectstatic` failed for another reason than a missing command:
    usually settings that cannot be imported at build time. Its output is already in the log
    (it is shown as it comes, so that settings that hang are not silent)."""

    status: int

    def message(self) -> Message:
        return Message(
            title="Unable to inspect the Django configuration",
            found=(
                "The buildpack ran `python manage.py help collectstatic` to find out whether "
                f"django.contrib.staticfiles is enabled, and it {_exit_description(self.status)} "
                "(its output is above).",
            ),
            fix=(
                "Make sure the settings module can be imported during the build: settings that "
                "need run-time services or secrets should have defaults for the build.",
                "Run `python manage.py help collectstatic` locally to reproduce.",
                _COLLECTSTATIC_OPT_OUT,
            ),
        )


@dataclass(eq=False)
class CollectstaticFailed(BuildpackError):
    """`manage.py collectstatic --noinput` failed; Django's output is already in the log."""

    status: int

    def message(self) -> Message:
        return Message(
            title="Unable to generate Django static files",
            found=(
                "`python manage.py collectstatic --noinput` "
                f"{_exit_description(self.status)} (Django's output is above).",
            ),
            fix=(
                "Check STATIC_ROOT and STATICFILES_STORAGE / STORAGES in your settings, and that "
                "every file your CSS references exists (WhiteNoise's manifest storage fails on "
                "missing files).",
                "Run `python manage.py collectstatic --noinput` locally to reproduce.",
                "If the app does not serve static files, remove django.contrib.staticfiles from "
                "INSTALLED_APPS.",
                _COLLECTSTATIC_OPT_OUT,
            ),
        )


@dataclass(eq=False)
class DjangoTimedOut(BuildpackError):
    """A `manage.py` command of the collectstatic step ran past its time limit."""

    command: str  # "help collectstatic", "collectstatic --noinput"
    seconds: float
    setting: str

    def message(self) -> Message:
        return Message(
            title=f"`python manage.py {self.command}` did not finish within {self.seconds:g} s",
            found=(
                f"It was stopped after {self.seconds:g} s, the limit set by {self.setting} "
                "(its output is above).",
            ),
            fix=(
                "Settings that connect to a database or another service when they are imported "
                "hang when it cannot be reached during the build: give them build-time "
                "defaults.",
                f"If it really needs longer, raise {self.setting} (seconds) in the platform "
                "env (docs/limits.md).",
                _COLLECTSTATIC_OPT_OUT,
            ),
        )


KEEP_COMMITTED_ENV_SETTING = "BP_PYTHON_KEEP_COMMITTED_VENV"


@dataclass(eq=False)
class CommittedEnvironment(BuildpackError):
    """The app source holds a virtual environment or a Python install (`.venv/`, `venv/`,
    `.heroku/python/`): built on another machine, it would ship broken in the image."""

    directory: str  # ".venv", "venv" or ".heroku/python"
    entries: tuple[str, ...]  # what it holds, two levels deep, for the message

    def message(self) -> Message:
        kind = (
            "a Python installation (where Heroku's classic buildpack installs Python)"
            if self.directory == ".heroku/python"
            else "a Python virtual environment (it has a pyvenv.cfg)"
        )
        shown = self.entries[:8]
        more = len(self.entries) - len(shown)
        return Message(
            title=f"The app source contains {self.directory}/",
            found=(
                f"{self.directory}/ in the app directory is {kind}. It holds:",
                *(f"  {entry}" for entry in shown),
                *((f"  ... and {more} more",) if more > 0 else ()),
                "Its files point at the machine that made them, so the app would ship with a "
                "broken environment next to the one this build installs.",
            ),
            fix=(
                f"Remove it from the app: `git rm -r --cached {self.directory}/`, then add "
                f"`{self.directory}/` on a line of its own to .gitignore (and .dockerignore, "
                "or project.toml's exclude) and commit.",
                "If a bin/pre_compile hook or an earlier buildpack made it, make them put it "
                "somewhere else.",
                f"If the directory is meant to be there, set {KEEP_COMMITTED_ENV_SETTING}=1 in "
                "the platform env: the build keeps it and only warns.",
            ),
        )
