"""Django static files: `manage.py collectstatic` at build time, as Heroku and Scalingo do.

Collecting at build time puts the files in the image, so the app (typically WhiteNoise) serves
them from the first request and no container writes to its own file system. The rules:

- only when `manage.py` is in the app root (a symlink is fine: that is how monorepos point at a
  project in a subdirectory) and Django is installed in the venv (`installed.has_package`):
  a `manage.py` in a non-Django app, or one whose Django is not a dependency, is left alone;
- Django installed but no `manage.py` in the root: a note says collectstatic did not run,
  names any `manage.py` one or two directories down and how to make it run (a symlink);
- `.heroku/collectstatic_disabled` (Heroku classic's deprecated switch) skips it with a
  deprecation warning, so apps moved from Heroku keep building;
- `DISABLE_COLLECTSTATIC` set to anything but "" or "0" skips it (Heroku's classic switch;
  Heroku's CNB has no opt-out, a long-standing request). It is checked before Django runs at
  all, so it also gets a build through settings that cannot be imported at build time;
- `python manage.py help collectstatic` first (output captured, and shown as it comes, so that
  settings that hang are not silent): "Unknown command" means `django.contrib.staticfiles` is
  not in INSTALLED_APPS, which is skipped with a line; any other failure is
  `DjangoInspectionFailed`, below Django's output;
- then `python manage.py collectstatic --noinput`, output streamed; a failure is
  `CollectstaticFailed` below Django's own output, with the opt-out;
- each may run for `BP_PYTHON_COLLECTSTATIC_TIMEOUT` seconds (15 minutes), then it is stopped
  with what it started and the build fails with `DjangoTimedOut`.

Both commands run with the venv's Python, in the app directory, with the user's platform env
on top (`hooks.user_env`), since settings commonly read it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from cnb_python import notices, proc
from cnb_python.cnb.context import BuildContext
from cnb_python.errors import (
    CollectstaticFailed,
    CommandTimedOut,
    DjangoInspectionFailed,
    DjangoTimedOut,
)
from cnb_python.hooks import user_env
from cnb_python.installed import has_package, venv_dir
from cnb_python.limits import COLLECTSTATIC_TIMEOUT
from cnb_python.output import Output

OPT_OUT = "DISABLE_COLLECTSTATIC"


def collectstatic_disabled(platform_env: Mapping[str, str], env: Mapping[str, str]) -> bool:
    value = platform_env.get(OPT_OUT, env.get(OPT_OUT, "")).strip()
    return value not in ("", "0")


def _nested_manage_py(app_dir: Path) -> list[str]:
    """manage.py files one or two directories down (where Heroku's classic buildpack looks,
    `find -maxdepth 3`), shallowest first, for the message that says why nothing ran."""
    found = [
        path.relative_to(app_dir).as_posix()
        for pattern in ("*/manage.py", "*/*/manage.py")
        for path in sorted(app_dir.glob(pattern))
        if path.is_file() and not path.relative_to(app_dir).parts[0].startswith(".")
    ]
    return found[:3]


def collectstatic(
    ctx: BuildContext, env: Mapping[str, str], output: Output, *, enabled: bool
) -> None:
    """Collect the static files of a Django app into its STATIC_ROOT, or say why not.
    `enabled` is false when the build decided `DISABLE_COLLECTSTATIC` turns it off."""
    if not has_package(env, "django", "django-admin"):
        return
    output.header("Collecting Django static files")
    if not (ctx.app_dir / "manage.py").is_file():
        note = notices.collectstatic_no_manage_py(_nested_manage_py(ctx.app_dir))
        output.step(note.title)
        for line in note.lines:
            output.detail(line)
        return
    if not enabled:
        output.step(f"Skipping collectstatic: {OPT_OUT} is set")
        return
    if (ctx.app_dir / notices.COLLECTSTATIC_DISABLED_FILE).exists():
        output.step(f"Skipping collectstatic: {notices.COLLECTSTATIC_DISABLED_FILE} exists")
        output.warn(notices.collectstatic_disabled_file())
        return
    venv = venv_dir(env)
    python = str(venv / "bin" / "python") if venv is not None else "python"
    run_env = user_env(env, ctx.platform_env)
    timeout = COLLECTSTATIC_TIMEOUT.read(ctx.platform_env)

    def manage(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
        try:
            return proc.run(
                [python, "manage.py", *args],
                env=run_env,
                cwd=ctx.app_dir,
                output=output,
                capture=capture,
                tee=capture,
                check=False,
                timeout=timeout,
            )
        except CommandTimedOut:
            raise DjangoTimedOut(" ".join(args), timeout, COLLECTSTATIC_TIMEOUT.setting) from None

    inspected = manage("help", "collectstatic", capture=True)
    if inspected.returncode != 0:
        if "Unknown command" in inspected.stdout:
            output.step(
                "Skipping collectstatic: django.contrib.staticfiles is not in INSTALLED_APPS"
            )
            return
        raise DjangoInspectionFailed(inspected.returncode)

    result = manage("collectstatic", "--noinput")
    if result.returncode != 0:
        raise CollectstaticFailed(result.returncode)
    output.step("Static files collected")
