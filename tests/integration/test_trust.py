"""CA bundles and the index behind a TLS-intercepting proxy (`cnb_python.trust`), for real.

The "proxy" is an https simple index on 127.0.0.1 whose certificate a throwaway CA signed
(`tests.support.tls`): exactly what an intercepting proxy shows a build. pip, uv and Poetry
are the real tools; the rest of the build (the tools' own installs) reaches the real index with
this machine's CA settings, passed as platform env as a user would.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnb_python import trust
from tests.support.devbuild import DevApp, DevApps
from tests.support.httpserver import FaultyServer
from tests.support.tls import LoopbackCA, make_ca
from tests.support.wheels import tiny_wheel

UNTRUSTED = "ERROR: The package index's TLS certificate is not trusted"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCA:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def index(ca: LoopbackCA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyServer]:
    root = tmp_path_factory.mktemp("index")
    wheel = tiny_wheel(root, "hello from the internal index")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    page = root / "simple" / "tinypkg" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(f'<a href="../../{wheel.name}#sha256={digest}">{wheel.name}</a>\n')
    with FaultyServer(root, tls=ca.server_context()) as server:
        yield server


def _system_bundle() -> Path:
    return Path(os.environ.get("SSL_CERT_FILE") or trust.SYSTEM_BUNDLES[0])


def test_probe_tells_an_untrusted_chain_from_a_trusted_one(
    ca: LoopbackCA, index: FaultyServer
) -> None:
    url = f"{index.base_url}/simple/"
    found = trust.probe(url, {})
    assert found.problem == "certificate"
    assert "certificate" in found.reason
    assert trust.probe(url, {"SSL_CERT_FILE": str(ca.ca_cert)}).problem == ""
    # A closed port: unreachable, not a certificate problem.
    assert trust.probe("https://127.0.0.1:9/simple/", {}).problem == "unreachable"


def _pip_app(dev_app: DevApps, index: FaultyServer, **env: str) -> DevApp:
    """pip_basic, installing `tinypkg` from `index` (requirements.txt's `--index-url`)."""
    app = dev_app("pip_basic", env=env)
    (app.app / "requirements.txt").write_text(
        f"--index-url {index.base_url}/simple/\ntinypkg==1.0\n"
    )
    return app


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_an_index_behind_an_untrusted_ca_is_named_with_the_settings_that_fix_it(
    dev_app: DevApps, index: FaultyServer, installer: str
) -> None:
    app = _pip_app(dev_app, index, BP_PYTHON_INSTALLER=installer)
    result = app.build(check=False)
    assert result.returncode == 1
    block = result.log[result.log.index(UNTRUSTED) :]
    block = re.sub(r"verification: .*", "verification: <reason>", block)
    trusted = trust.read_trust(app.env).describe()
    expected = [
        UNTRUSTED,
        "",
        f"  Connecting to {index.base_url}/simple/ failed certificate verification: <reason>",
        f"  The build trusted {trusted}.",
        "  A TLS-intercepting proxy (common on corporate networks) re-signs every connection "
        "with its own CA, which the build does not know unless it is told.",
        "",
        "  How to fix:",
        "  - Give the build a CA bundle that includes the proxy's CA: SSL_CERT_FILE (or "
        "REQUESTS_CA_BUNDLE or PIP_CERT: the buildpack gives the one you set to pip, uv, Poetry "
        "and Pipenv alike).",
        "  - Pass settings as build env: `pack build --env NAME=VALUE`, the builder's "
        "`[[build.env]]` in builder.toml, or kpack's `spec.build.env`. The CA file must exist "
        "inside the build (in the app source, in the builder image, or mounted with "
        "`pack build --volume`).",
        "  - Operators: add the CA to the builder image's own store (`update-ca-certificates`, "
        "`update-ca-trust`), which every tool then trusts with no setting at all.",
        "ERROR: The build failed",
    ]
    assert block.startswith("\n".join(expected)), block
    assert "Traceback" not in result.log


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_one_ca_setting_is_honoured_by_every_tool(
    dev_app: DevApps, ca: LoopbackCA, index: FaultyServer, tmp_path: Path, installer: str
) -> None:
    """Only SSL_CERT_FILE is given (a bundle of this machine's store and the proxy's CA): pip
    reads PIP_CERT and uv SSL_CERT_FILE, and both install from the intercepted index."""
    bundle = ca.bundle_with(_system_bundle(), tmp_path / "corporate.pem")
    app = _pip_app(dev_app, index, BP_PYTHON_INSTALLER=installer)
    for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"):
        app.env.pop(name, None)
    app.env["SSL_CERT_FILE"] = str(bundle)
    app.build()
    done = app.run(["python", "-c", "import tinypkg; print(tinypkg.GREETING)"])
    assert done.stdout.strip() == "hello from the internal index", done.stderr


def test_poetry_is_not_left_to_retry_a_certificate_failure(
    dev_app: DevApps, index: FaultyServer
) -> None:
    """Poetry retries a failed TLS handshake with back-off for minutes: the build checks the
    index first and stops before `poetry sync` ever runs."""
    app = dev_app("poetry_basic")
    pyproject = app.app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("https://pypi.org/simple/", f"{index.base_url}/simple/")
    )
    result = app.build(check=False)
    assert result.returncode == 1
    assert UNTRUSTED in result.log
    assert f"Connecting to {index.base_url}/simple/ failed certificate verification" in result.log
    assert "poetry sync" not in result.log
    assert "All attempts to connect" not in result.log


def test_a_ca_setting_naming_no_file_is_refused_before_any_download(dev_app: DevApps) -> None:
    app = dev_app("pip_basic", env={"REQUESTS_CA_BUNDLE": "/nonexistent/corp.pem"})
    result = app.build(check=False)
    assert result.returncode == 1
    assert "ERROR: REQUESTS_CA_BUNDLE does not name a readable CA bundle" in result.log
    assert "REQUESTS_CA_BUNDLE is '/nonexistent/corp.pem': no such file or directory." in (
        result.log
    )
    assert "Downloading Python" not in result.log
