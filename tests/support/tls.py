"""A throwaway CA and a certificate for 127.0.0.1 it signed, made with the `openssl` CLI.

What a TLS-intercepting proxy does to a build, on loopback: the server's chain is valid, but
signed by a CA that no default trust store holds, so a build trusts it only when told to
(`SSL_CERT_FILE` and friends, `cnb_python.trust`).
"""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoopbackCA:
    ca_cert: Path
    server_cert: Path
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.server_cert, self.server_key)
        return context

    def bundle_with(self, other: Path, path: Path) -> Path:
        """A bundle holding `other` (say, the system store) and this CA, at `path`."""
        path.write_bytes(other.read_bytes() + b"\n" + self.ca_cert.read_bytes())
        return path


def make_ca(directory: Path) -> LoopbackCA:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = directory / "ca.key", directory / "ca.pem"
    key, csr, cert = directory / "server.key", directory / "server.csr", directory / "server.pem"
    ext = directory / "server.ext"
    ext.write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
    )
    commands = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_cert,
         "-days", "2", "-subj", "/CN=cnb-python test intercepting CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert, "-days", "2", "-extfile", ext],
    ]  # fmt: skip
    for args in commands:
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)
    return LoopbackCA(ca_cert, cert, key)
