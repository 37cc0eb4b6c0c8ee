"""nginx (Debian's package) on loopback in front of `reachout serve` processes, configured as
docs/deploy.md configures it: for the nginx test (tests/production/test_nginx.py) and the
benchmark's `nginx` section.

It runs in the foreground as a child of this process, from a directory of its own (its pid
file, temporary files and error log there), and is stopped when the block ends.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

NGINX = Path("/usr/sbin/nginx")
STARTUP_SECONDS = 10.0
# A server that failed a request is left out for this long, then tried again: after a
# restart, nginx sends it requests again within this (open-source nginx does not poll).
FAIL_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Nginx:
    process: subprocess.Popen[bytes]
    port: int
    tls: bool
    error_log: Path

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def errors(self, last: int = 3000) -> str:
        try:
            return self.error_log.read_text(errors="replace")[-last:]
        except OSError:
            return "(no error log)"


def site(
    upstreams: Sequence[str],
    *,
    listen: str,
    tls: tuple[Path, Path] | None = None,
    bind: str | None = None,
) -> str:
    """The site's configuration (docs/deploy.md, "nginx in front"): `upstreams` are the app
    servers' host:port, `listen` nginx's own; `tls` a certificate and its key (None: plain
    HTTP); `bind` the address nginx connects to the app servers from."""
    servers = "\n".join(
        f"    server {u} max_fails=1 fail_timeout={FAIL_TIMEOUT_SECONDS}s;" for u in upstreams
    )
    certificate = (
        f"    ssl_certificate {tls[0]};\n    ssl_certificate_key {tls[1]};\n" if tls else ""
    )
    source = f"        proxy_bind {bind};\n" if bind else ""
    return f"""upstream reachout {{
{servers}
    keepalive 32;
}}

server {{
    listen {listen}{" ssl" if tls else ""};
{certificate}    client_max_body_size 60m;

    location / {{
        proxy_pass http://reachout;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        # A request that got no answer goes to the next server, a POST too: sent with an
        # Idempotency-Key, its repeat replays the first answer if it had been written.
        proxy_next_upstream error timeout http_502 http_503 non_idempotent;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 15s;
        proxy_connect_timeout 2s;
        proxy_read_timeout 120s;
{source}    }}
}}
"""


def _main(workdir: Path, site_config: str) -> str:
    # Run as root (CI), the workers would switch to nobody, who cannot enter the temporary
    # directory; as another user, `user` is ignored.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}daemon off;
master_process on;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
{temp}
{site_config}
}}
"""


@contextmanager
def running(workdir: Path, site_config: str, *, port: int, tls: bool) -> Iterator[Nginx]:
    """nginx serving `site_config` (from `site`, listening on `port`) until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(_main(workdir, site_config))
    error_log = workdir / "error.log"
    with (workdir / "stderr.log").open("wb") as err:
        process = subprocess.Popen(
            [str(NGINX), "-p", str(workdir), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    server = Nginx(process, port, tls, error_log)
    try:
        _wait_listening(server, workdir)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_listening(server: Nginx, workdir: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    log = (workdir / "stderr.log").read_text(errors="replace") + server.errors()
    raise RuntimeError(f"nginx did not start on port {server.port}:\n{log}")


def self_signed(workdir: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (nginx terminates TLS with it; the clients do
    not verify it)."""
    # Imported here: only the nginx test needs it.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = workdir / "cert.pem", workdir / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
