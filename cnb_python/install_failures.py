"""Why an install failed, read from the installer's own output: the failures people meet most.

pip, uv, Poetry and Pipenv print long, tool-specific output when an install fails, and the
line that matters (a missing `sqlite3.h` forty lines into a compiler's output, "No matching
distribution found") is easy to miss. `diagnose` finds the common causes in the output the
build captured and returns them as facts; `errors/dependencies.py` turns each into one
message with the fix. Anything not recognised keeps the generic message: the output above
still says why, and a wrong diagnosis would be worse than none.

Recognised, in this order (the first that matches wins, because a failed build of a package
also ends in the installer's generic "failed to build" lines):
- a lock file that no longer matches the project (uv `--locked`, Poetry, Pipenv `--deploy`);
- hashes that do not match, or are required and missing;
- a package or version the index does not have;
- a package built from source that needs something the build image lacks: a C compiler, a
  header, `pkg-config` or a library's config script (`gdal-config`, `pg_config`), named with
  the Debian/Ubuntu package that provides it where that is well known;
- metadata newer pip refuses (Celery < 5.2.1 and the like).

Certificate, proxy and credential failures of the index are explained from the index itself,
not from the output (`trust`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class StaleLock:
    detail: str  # the tool's line that says so


@dataclass(frozen=True)
class HashMismatch:
    packages: tuple[str, ...]  # `name==version` as the tool names them; may be empty
    missing: bool  # hashes are required (--require-hashes) but some requirement has none


@dataclass(frozen=True)
class NotOnIndex:
    requirement: str  # as the user wrote it: `django==9.9`, `djangoo`
    versions: tuple[str, ...] | None  # what the index has, when the tool listed it


@dataclass(frozen=True)
class BuildDependencyMissing:
    package: str  # the distribution whose build failed, "" when the output does not say
    version: str  # "" when unknown
    missing: str  # for the message: "the header file sqlite3.h", "a C compiler (gcc)"
    system_package: str  # Debian/Ubuntu package that provides it, "" when not well known


@dataclass(frozen=True)
class BrokenMetadata:
    package: str


Cause = StaleLock | HashMismatch | NotOnIndex | BuildDependencyMissing | BrokenMetadata

_STALE_LOCK = (
    re.compile(r"The lockfile at `?uv\.lock`? needs to be updated.*"),
    re.compile(r"pyproject\.toml changed significantly since poetry\.lock was last generated.*"),
    re.compile(r"Your Pipfile\.lock\s+\([0-9a-f]+\)\s+is\s+out\s+of\s+date\."),
)
_HASH_MISMATCH = re.compile(
    r"THESE PACKAGES DO NOT MATCH THE HASHES|Hash mismatch for|not found in known hashes"
)
_HASH_MISSING = re.compile(r"Hashes are required in --require-hashes mode")
_HASH_PACKAGE = (
    re.compile(r"^\s+(\S+==\S+) from \S+", re.MULTILINE),  # pip, under its heading
    re.compile(r"Hash mismatch for `([^`]+)`"),  # uv
    re.compile(r"Hash for (\S+ \([^)]+\)) from archive"),  # Poetry
)
_NOT_ON_INDEX = (
    re.compile(
        r"Could not find a version that satisfies the requirement (?P<req>\S+)"
        r"(?: \(from versions: (?P<versions>[^)]*)\))?"
    ),
    re.compile(r"No matching distribution found for (?P<req>\S+)"),
    re.compile(r"Because (?P<req>\S+) was not found in the package registry"),
    re.compile(r"Because there (?:is|are) no versions? of (?P<req>[^\s,]+)"),
)
_BROKEN_METADATA = re.compile(r"Please use pip<24\.1 if you need to use this version")
_METADATA_PACKAGE = re.compile(r"WARNING: Ignoring version \S+ of (\S+) since it has invalid")

# What was missing: (pattern, description, Debian/Ubuntu package). The header is group 1.
_HEADER = re.compile(r"fatal error: ([\w./+-]+\.h(?:pp)?): No such file or directory")
_HEADER_PACKAGES = {
    "sqlite3.h": "libsqlite3-dev",
    "libpq-fe.h": "libpq-dev",
    "pg_config.h": "libpq-dev",
    "ffi.h": "libffi-dev",
    "openssl/ssl.h": "libssl-dev",
    "openssl/opensslv.h": "libssl-dev",
    "mysql.h": "default-libmysqlclient-dev",
    "lber.h": "libldap-dev",
    "ldap.h": "libldap-dev",
    "sasl/sasl.h": "libsasl2-dev",
    "libxml/xmlversion.h": "libxml2-dev",
    "libxslt/xsltconfig.h": "libxslt1-dev",
    "jpeglib.h": "libjpeg-dev",
    "zlib.h": "zlib1g-dev",
    "bzlib.h": "libbz2-dev",
    "lzma.h": "liblzma-dev",
    "krb5.h": "libkrb5-dev",
    "gssapi/gssapi.h": "libkrb5-dev",
    "cairo.h": "libcairo2-dev",
    "yaml.h": "libyaml-dev",
    "snappy-c.h": "libsnappy-dev",
    "geos_c.h": "libgeos-dev",
}
_PROGRAMS = (
    (re.compile(r"Could not find gdal-config|gdal-config: not found"), "gdal-config (GDAL)",
     "libgdal-dev"),
    (re.compile(r"pg_config executable not found|pg_config: not found"),
     "pg_config (PostgreSQL's libpq)", "libpq-dev"),
    (re.compile(r"mysql_config: not found|mysql_config not found"),
     "mysql_config (the MySQL client library)", "default-libmysqlclient-dev"),
    (re.compile(r"krb5-config: not found|krb5-config: command not found"),
     "krb5-config (Kerberos)", "libkrb5-dev"),
    (re.compile(r"Package '?([\w.+-]+)'?,? (?:required by '[^']*', )?(?:was )?not found"
                r"(?: in the pkg-config search path)?"),
     "the pkg-config package {0}", ""),
    (re.compile(r"pkg-config: not found|pkg-config: command not found|[Dd]id not find "
                r"pkg-config|Cannot find pkg-config|No such file or directory: 'pkg-config'"),
     "pkg-config", "pkg-config"),
    (re.compile(r"error: command '([^']*?(?:gcc|cc|clang|g\+\+|c\+\+))' failed: No such file"
                r"|unable to execute '([^']*?(?:gcc|cc|clang|g\+\+|c\+\+))': No such file"
                r"|error: Microsoft Visual C\+\+|C compiler cannot create executables"
                r"|No such file or directory: '(gcc|cc|x86_64-linux-gnu-gcc)'"),
     "a C compiler ({0})", "build-essential"),
    (re.compile(r"can't find Rust compiler|Cargo, the Rust package manager, is not installed"),
     "a Rust compiler (rustc and cargo)", ""),
)  # fmt: skip

# Which distribution failed to build, in the tools' words (first match wins).
_FAILED_PACKAGE = (
    re.compile(r"Failed building wheel for (?P<name>[\w.-]+)"),
    re.compile(r"Failed to build '?(?P<name>[\w.-]+)'? when"),
    re.compile(r"Failed to build `(?P<name>[\w.-]+)(?:==(?P<version>[^`@ ]+))?"),
    re.compile(r"one of the following issues with (?P<name>[\w.-]+) \((?P<version>[^)]+)\)"),
    re.compile(r"Building wheel for (?P<name>[\w.-]+) \("),
    re.compile(r"Failed to build (?P<name>[\w.-]+)\s*$", re.MULTILINE),
)
_DOWNLOADING = re.compile(r"(?:Downloading|Using cached) (?:\S+/)?([\w.]+?)-(\d[\w.]*)\.tar\.gz")


def diagnose(output: str) -> Cause | None:
    """The recognised cause of a failed install, or None (module docs)."""
    for pattern in _STALE_LOCK:
        stale = pattern.search(output)
        if stale:
            return StaleLock(stale.group(0).strip())
    if _HASH_MISMATCH.search(output) or _HASH_MISSING.search(output):
        packages = tuple(
            dict.fromkeys(m.group(1) for p in _HASH_PACKAGE for m in p.finditer(output))
        )
        return HashMismatch(packages[:10], bool(_HASH_MISSING.search(output)))
    missing = _build_dependency(output)
    if missing is not None:
        return missing
    for pattern in _NOT_ON_INDEX:
        absent = pattern.search(output)
        if absent:
            listed = absent.groupdict().get("versions")
            versions = None
            if listed is not None:
                versions = tuple(v.strip() for v in listed.split(",") if v.strip() != "none")
            return NotOnIndex(absent.group("req").strip("`'\","), versions)
    if _BROKEN_METADATA.search(output):
        named = _METADATA_PACKAGE.search(output)
        return BrokenMetadata(named.group(1) if named else "")
    return None


def _build_dependency(output: str) -> BuildDependencyMissing | None:
    header = _HEADER.search(output)
    if header:
        name = header.group(1)
        found = (f"the header file {name}", _HEADER_PACKAGES.get(name, ""))
    else:
        found = None
        for pattern, description, system_package in _PROGRAMS:
            match = pattern.search(output)
            if match:
                group = next((g for g in match.groups() if g), "gcc")
                found = (description.format(group.rsplit("/", 1)[-1]), system_package)
                break
    if found is None:
        return None
    package, version = _failed_package(output)
    return BuildDependencyMissing(package, version, found[0], found[1])


def _failed_package(output: str) -> tuple[str, str]:
    for pattern in _FAILED_PACKAGE:
        match = pattern.search(output)
        if match:
            name = match.group("name")
            version = match.groupdict().get("version") or ""
            if not version:
                for sdist in _DOWNLOADING.finditer(output):
                    if canonicalize_name(sdist.group(1)) == canonicalize_name(name):
                        version = sdist.group(2)
            return name, version
    return "", ""
