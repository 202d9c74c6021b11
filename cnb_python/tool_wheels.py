"""pip and uv straight from their wheels, verified by the sha256 their pins list.

Why: a wheel is a zip laid out for its install scheme, and a tool that installs alone (pip and
uv have no dependencies) needs nothing but unpacking it. Running an installer to install the
installer was most of a cold build's tool time: pip run from ensurepip's wheel (a zip, no
bytecode) to install pip took 3.5-12 s, and that pip then took 1.4-2.6 s more to install uv.
Unpacking is `installer` (pypa's reference wheel installer, what `python -m build`'s world
uses to install a wheel): the scheme's directories, console scripts with the interpreter's
shebang, RECORD and INSTALLER, as pip writes them.

Where the wheel comes from: the offline edition's carried wheels (`dependencies/wheels/`),
else the package index pip would use (`trust.index_url`), through its simple API (PEP 691
JSON, or PEP 503 HTML from an index that has no JSON): the file of exactly the pinned version
whose tags this machine supports best.

Trust: the wheel's sha256 must be one the pin lists (`cnb_python/pins/<tool>.txt`, written by
`scripts/pin_hashes.py`). An index that offers another file for the pinned version is refused
(`ToolWheelNotPinned`): a mirror must serve the published bytes. The download is checked
against that sha256 as it streams (`download.fetch`).

When the buildpack cannot tell which file pip would take, it does not guess: `locate` returns
a `Fallback` with the reason, and the layer runs pip as before, with the same hashes required
(`Pin.requirement_line`): extra indexes, find-links or no index (in the settings or in a pip
configuration file), an index that has no page for the tool, lists no sha256, or cannot be
reached (pip then fails with the named reason `trust` finds). An `index-url` in a pip
configuration file is the index, as it is for pip.
"""

from __future__ import annotations

import configparser
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile
from packaging.tags import Tag, sys_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from cnb_python import transfer, trust
from cnb_python.download import RetryPolicy, fetch
from cnb_python.errors import DiskFull, ToolWheelNotPinned
from cnb_python.limits import DOWNLOAD_MIN_KIB_PER_SECOND, MIB
from cnb_python.offline import carried_wheels
from cnb_python.output import Output
from cnb_python.pins import Pin
from cnb_python.urls import redact_url

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
# A project page lists every file of every release: uv's is about 2.5 MB.
MAX_PAGE_BYTES = 64 * MIB
PAGE_TIMEOUT = 60.0  # seconds, the whole fetch of one project page
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
# Settings with which pip would take its wheel from beyond the one index.
PIP_ELSEWHERE_SETTINGS = ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL")
INSTALLER_NAME = b"cnb-python\n"


@dataclass(frozen=True)
class IndexFile:
    """One file of a project page: its name, where it is, its sha256 ("" when not listed)."""

    filename: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Located:
    """The wheel to install: a carried file (`url` is its path) or an index URL."""

    filename: str
    url: str
    sha256: str
    carried: bool


@dataclass(frozen=True)
class Fallback:
    """Why the wheel is installed by running pip instead, as the log says it."""

    reason: str


@dataclass(frozen=True)
class Scheme:
    """Where a wheel's parts go: the layout of `pip install --prefix <root>` for `series`."""

    root: Path
    series: str

    @property
    def site_packages(self) -> Path:
        return self.root / "lib" / f"python{self.series}" / "site-packages"

    def dirs(self) -> dict[str, str]:
        return {
            "purelib": str(self.site_packages),
            "platlib": str(self.site_packages),
            "headers": str(self.root / "include" / f"python{self.series}"),
            "scripts": str(self.root / "bin"),
            "data": str(self.root),
        }


# --- choosing the file (pure) -----------------------------------------------------------------


def parse_page(body: bytes, content_type: str, page_url: str) -> list[IndexFile]:
    """The files a simple-index project page lists (PEP 691 JSON or PEP 503 HTML)."""
    if content_type.split(";", 1)[0].strip().lower() == JSON_TYPE:
        data = json.loads(body)
        files = data.get("files", []) if isinstance(data, dict) else []
        found = []
        for item in files:
            if not isinstance(item, dict) or not isinstance(item.get("url"), str):
                continue
            hashes = item.get("hashes")
            sha256 = hashes.get("sha256", "") if isinstance(hashes, dict) else ""
            found.append(
                IndexFile(str(item.get("filename", "")), urljoin(page_url, item["url"]), sha256)
            )
        return found
    parser = _Anchors()
    parser.feed(body.decode("utf-8", errors="replace"))
    found = []
    for href, text in parser.anchors:
        url, fragment = urldefrag(urljoin(page_url, href))
        name, _, value = fragment.partition("=")
        filename = text.strip() or url.rsplit("/", 1)[-1]
        found.append(IndexFile(filename, url, value if name == "sha256" else ""))
    return found


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, "".join(self._text)))
            self._href = None


def choose(files: Sequence[IndexFile], pin: Pin, supported: Sequence[Tag]) -> IndexFile | None:
    """The wheel of exactly `pin` whose best tag ranks first in `supported` (most preferred
    first, as `packaging.tags.sys_tags` orders them), None when no wheel fits."""
    rank = {tag: position for position, tag in enumerate(supported)}
    best: tuple[int, IndexFile] | None = None
    for item in files:
        try:
            name, version, _, tags = parse_wheel_filename(item.filename)
        except InvalidWheelFilename:
            continue  # an sdist, or not a wheel at all
        if canonicalize_name(name) != pin.name or str(version) != pin.version:
            continue
        position = min((rank[tag] for tag in tags if tag in rank), default=None)
        if position is not None and (best is None or position < best[0]):
            best = (position, item)
    return None if best is None else best[1]


def pip_config_files(env: Mapping[str, str]) -> list[Path]:
    """The configuration files pip would read, lowest precedence first (pip's own order:
    global, user, then `PIP_CONFIG_FILE`); `PIP_CONFIG_FILE=/dev/null` means none at all."""
    named = env.get("PIP_CONFIG_FILE", "").strip()
    if named == os.devnull:
        return []
    config_dirs = env.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
    candidates = [Path(d) / "pip" / "pip.conf" for d in reversed(config_dirs.split(":")) if d]
    candidates.append(Path("/etc/pip.conf"))
    home = env.get("HOME", "")
    if home:
        candidates.append(Path(home) / ".pip" / "pip.conf")
        config_home = env.get("XDG_CONFIG_HOME", "") or f"{home}/.config"
        candidates.append(Path(config_home) / "pip" / "pip.conf")
    if named:
        candidates.append(Path(named))
    return [path for path in candidates if path.is_file()]


def pip_sources(env: Mapping[str, str]) -> tuple[str, str]:
    """(the index pip would use from its configuration files, or "" for the settings' own;
    the file or setting with which pip would look beyond one index, or "").

    Only the options that say where files come from matter here (`index-url`,
    `extra-index-url`, `find-links`, `no-index`, in `[global]` or `[install]`); a file that
    sets only `cert` or `timeout` changes nothing. Environment settings beat files, as in pip.
    """
    for name in PIP_ELSEWHERE_SETTINGS:
        if env.get(name, "").strip():
            return "", name
    index = ""
    for path in pip_config_files(env):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            return "", str(path)  # pip itself will say what is wrong with it
        for section in ("global", "install"):
            if not parser.has_section(section):
                continue
            for key, value in parser.items(section):
                option = key.replace("_", "-")
                if option in ("extra-index-url", "find-links", "no-index") and value.strip():
                    return "", f"{option} in {path}"
                if option == "index-url" and value.strip():
                    index = value.strip()
    return index, ""


# --- locating, fetching, installing -------------------------------------------------------------


def locate(
    pin: Pin, env: Mapping[str, str], *, wheels_dir: Path | None = None
) -> Located | Fallback:
    """Where the wheel of `pin` comes from, or why pip must fetch it (module docs)."""
    if not pin.sha256:
        return Fallback(f"the buildpack lists no sha256 for {pin.requirement}")
    supported = list(sys_tags())
    carried = _carried(pin, supported, wheels_dir)
    if carried is not None:
        return carried
    configured, elsewhere = pip_sources(env)
    if elsewhere:
        return Fallback(f"pip would also look beyond one index ({elsewhere})")
    index = trust.index_url("pip", None, env)
    if configured and index == trust.DEFAULT_INDEX:
        index = configured
    if index is None:
        return Fallback("pip is told to use no index")
    return _on_index(pin, supported, index, env)


def _carried(pin: Pin, supported: Sequence[Tag], wheels_dir: Path | None) -> Located | None:
    files = [
        IndexFile(path.name, str(path), "")
        for path in carried_wheels(pin.name, pin.version, wheels_dir)
    ]
    chosen = choose(files, pin, supported)
    if chosen is None:
        return None
    path = Path(chosen.url)
    sha256 = _file_sha256(path)
    if sha256 not in pin.sha256:
        raise ToolWheelNotPinned(pin.name, pin.version, chosen.filename, str(path.parent), sha256)
    return Located(chosen.filename, chosen.url, sha256, carried=True)


def _on_index(
    pin: Pin, supported: Sequence[Tag], index: str, env: Mapping[str, str]
) -> Located | Fallback:
    page = urljoin(index.rstrip("/") + "/", f"{pin.name}/")
    listed = _fetch_page(page, env)
    if isinstance(listed, Fallback):
        return listed
    chosen = choose(listed, pin, supported)
    shown = redact_url(page)
    if chosen is None:
        return Fallback(f"{shown} lists no wheel of {pin.requirement} for this machine")
    sha256 = chosen.sha256.lower()
    if not sha256:
        return Fallback(f"{shown} gives no sha256 for {chosen.filename}")
    if sha256 not in pin.sha256:
        raise ToolWheelNotPinned(pin.name, pin.version, chosen.filename, shown, sha256)
    return Located(chosen.filename, _with_credentials(chosen.url, index), sha256, carried=False)


def install_pinned(
    pin: Pin,
    scheme: Scheme,
    python: Path,
    env: Mapping[str, str],
    output: Output,
    *,
    policy: RetryPolicy,
    with_pip: Callable[[], None],
) -> None:
    """Install `pin` from its wheel by `scheme`, or, when `locate` falls back, say why and run
    `with_pip` (the layer's pip install of the same pin, hashes required)."""
    located = locate(pin, env)
    if isinstance(located, Located):
        install_wheel(located, scheme, python, env, output, policy=policy)
        return
    output.detail(f"Installing it with pip: {located.reason}")
    with_pip()


def install_wheel(
    located: Located,
    scheme: Scheme,
    python: Path,
    env: Mapping[str, str],
    output: Output,
    *,
    policy: RetryPolicy | None = None,
) -> None:
    """Fetch `located` (verified) and unpack it by `scheme`, scripts running `python`."""
    with tempfile.TemporaryDirectory(prefix="cnb-python-wheel-") as scratch:
        wheel = Path(scratch) / located.filename
        if located.carried:
            wheel = Path(located.url)
        else:
            with wheel.open("w+b") as handle:
                fetch(
                    located.url, handle, sha256=located.sha256, env=env, output=output,
                    policy=policy, what=f"while downloading {located.filename}",
                )  # fmt: skip
        destination = SchemeDictionaryDestination(
            scheme.dirs(),
            interpreter=str(python),
            script_kind="posix",
            bytecode_optimization_levels=(),  # compiled once, on every core (layers.bytecode)
        )
        try:
            with WheelFile.open(wheel) as source:
                install(source, destination, {"INSTALLER": INSTALLER_NAME})
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                where = f"while installing {located.filename}"
                raise DiskFull(where, error.strerror or "") from None
            raise
    source_name = "the buildpack's own copy" if located.carried else "the package index"
    output.detail(f"Installed {located.filename} from {source_name}, sha256 verified")


def _fetch_page(url: str, env: Mapping[str, str]) -> list[IndexFile] | Fallback:
    deadline = transfer.Deadline(PAGE_TIMEOUT, f"{PAGE_TIMEOUT:g} s")
    shown = redact_url(url)
    try:
        with transfer.session() as client:
            client.headers["Accept"] = ACCEPT
            response, final = transfer.get(
                client, url, env=env, deadline=deadline,
                connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
            )  # fmt: skip
            with response:
                if response.status_code != 200:
                    return Fallback(f"{shown} answered HTTP {response.status_code}")
                body = b"".join(
                    transfer.body(
                        response,
                        deadline=deadline,
                        min_rate=DOWNLOAD_MIN_KIB_PER_SECOND.default * 1024,
                        window=READ_TIMEOUT,
                        max_bytes=MAX_PAGE_BYTES,
                        too_large=f"it is larger than {MAX_PAGE_BYTES // MIB} MiB",
                    )
                )
                encoding = response.headers.get("Content-Encoding", "").lower()
                content_type = response.headers.get("Content-Type", "")
    except transfer.TransferFailed as failure:
        return Fallback(f"{shown} could not be read ({failure.reason})")
    if encoding not in ("", "identity"):
        return Fallback(f"{shown} came {encoding}-encoded")
    try:
        return parse_page(body, content_type, final)
    except ValueError as error:  # JSON that does not parse
        return Fallback(f"{shown} is not a simple-index page ({error})")


def _with_credentials(file_url: str, index: str) -> str:
    """`file_url` with the index URL's user and password when it is on the index's own host
    (a private index serving its own files); `transfer.get` sends them as basic auth."""
    index_parts = urlsplit(index)
    file_parts = urlsplit(file_url)
    same = (index_parts.scheme, index_parts.hostname, index_parts.port) == (
        file_parts.scheme, file_parts.hostname, file_parts.port,
    )  # fmt: skip
    if not same or "@" not in index_parts.netloc or "@" in file_parts.netloc:
        return file_url
    userinfo = index_parts.netloc.rsplit("@", 1)[0]
    return urlunsplit(file_parts._replace(netloc=f"{userinfo}@{file_parts.netloc}"))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
