"""Write the sha256 of every Linux wheel of each pinned pip and uv into their pin files.

The build installs pip and uv straight from their wheels and takes only a file whose sha256 the
pin lists (`cnb_python/tool_wheels.py`). This script asks the package index (PIP_INDEX_URL,
else the default index) for each pinned version's files, keeps the wheels a Linux build on
amd64 or arm64 can install (`py3-none-any`, manylinux, musllinux), and rewrites each pin line
with one `--hash=sha256:` per wheel, keeping the file's comments and markers. Run it after
bumping a pin; `--check` only says whether the files are current (exit 1 when not).

Usage: python scripts/pin_hashes.py [--check]
"""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import urljoin

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from cnb_python import pins, tool_wheels, transfer, trust

WHEEL_TOOLS = ("pip", "uv")
LINUX_MACHINES = ("x86_64", "aarch64")


def linux_wheel(filename: str) -> bool:
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return False
    for tag in tags:
        if tag.platform == "any":
            return True
        linux = tag.platform.startswith(("manylinux", "musllinux"))
        if linux and tag.platform.endswith(LINUX_MACHINES):
            return True
    return False


def hashes_for(pin: pins.Pin, index: str, env: dict[str, str]) -> list[str]:
    page = urljoin(index.rstrip("/") + "/", f"{pin.name}/")
    with transfer.session() as client:
        client.headers["Accept"] = tool_wheels.ACCEPT
        response = client.get(page, timeout=60, verify=transfer.tls_verify(env))
        response.raise_for_status()
        files = tool_wheels.parse_page(
            response.content, response.headers.get("Content-Type", ""), response.url
        )
    found = sorted(
        {
            item.sha256.lower()
            for item in files
            if item.sha256
            and linux_wheel(item.filename)
            and item.filename.split("-")[1] == pin.version
        }
    )
    if not found:
        raise SystemExit(f"{page} lists no Linux wheel with a sha256 for {pin.requirement}")
    return found


def rewrite(tool: str, index: str, env: dict[str, str]) -> tuple[str, str]:
    """The pin file's text now and as it should be."""
    path = pins.PINS_DIR / f"{tool}.txt"
    text = path.read_text(encoding="utf-8")
    lines = []
    for _, line in pins.logical_lines(text):
        pin = pins.parse_line(line, where=str(path))
        if pin is None:
            lines.append(line)
            continue
        head = pin.requirement + (f" ; {pin.marker}" if pin.marker else "")
        hashes = hashes_for(pin, index, env)
        lines.append(" \\\n".join([head, *(f"    --hash=sha256:{h}" for h in hashes)]))
    return text, "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    index = trust.index_url("pip", None, env) or trust.DEFAULT_INDEX
    stale = []
    for tool in WHEEL_TOOLS:
        now, wanted = rewrite(tool, index, env)
        if now == wanted:
            continue
        stale.append(tool)
        if not args.check:
            (pins.PINS_DIR / f"{tool}.txt").write_text(wanted, encoding="utf-8")
    if stale:
        verb = "are out of date" if args.check else "were rewritten"
        print(f"pin files {verb}: {', '.join(stale)}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
