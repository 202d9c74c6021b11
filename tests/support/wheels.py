"""A one-module wheel built by hand: what an internal index serves, with nothing to build."""

from __future__ import annotations

import zipfile
from pathlib import Path


def tiny_wheel(directory: Path, greeting: str, name: str = "tinypkg", version: str = "1.0") -> Path:
    """`<name>-<version>-py3-none-any.whl` in `directory`, whose module's GREETING is
    `greeting`."""
    path = directory / f"{name}-{version}-py3-none-any.whl"
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"GREETING = {greeting!r}\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{file},,\n" for file in files) + f"{dist_info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as wheel:
        for file, text in {**files, f"{dist_info}/RECORD": record}.items():
            wheel.writestr(file, text)
    return path
