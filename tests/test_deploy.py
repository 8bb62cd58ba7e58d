"""The Docker deployment's public door (deploy/): HTTPS by default, plain HTTP only redirecting,
every limit of the proxy kept, and logs and Referers that never carry a query string (a
one-time teacher link, a join code).

The configuration is read as text (no Docker, no nginx needed). Where an `nginx` binary is
installed (`apt-get install nginx-light`), two more tests check it with nginx itself: `nginx -t`
on a copy with local paths, and a real nginx in front of a stand-in upstream; they are skipped
otherwise (.ci/run does not install nginx)."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX_CONF = DEPLOY / "nginx.conf"
CERT_SCRIPT = DEPLOY / "nginx-self-signed.sh"

# ------------------------------------------------------------------ a small nginx parser


class Block:
    """One nginx block (`server { ... }`): its directives in order and its nested blocks."""

    def __init__(self, name: str, args: list[str]):
        self.name, self.args = name, args
        self.directives: list[list[str]] = []
        self.blocks: list[Block] = []

    def all(self, name: str) -> list[list[str]]:
        """The arguments of every directive called `name` directly in this block."""
        return [d[1:] for d in self.directives if d[0] == name]

    def one(self, name: str) -> list[str]:
        found = self.all(name)
        assert len(found) == 1, (name, found)
        return found[0]

    def children(self, name: str) -> list[Block]:
        return [block for block in self.blocks if block.name == name]

    def locations(self) -> dict[str, Block]:
        return {" ".join(block.args): block for block in self.children("location")}


def _tokens(text: str):
    """nginx's tokens: words, quoted strings (quotes removed), `{`, `}` and `;`."""
    for match in re.finditer(r"""#[^\n]*|'([^']*)'|"([^"]*)"|([{};])|([^\s{};'"#]+)""", text):
        if match.group(0).startswith("#"):
            continue
        single, double, punctuation, word = match.groups()
        yield punctuation or (
            single if single is not None else double if double is not None else word
        )


def parse(text: str) -> Block:
    root, stack, words = Block("main", []), [], []
    stack.append(root)
    for token in _tokens(text):
        if token == "{":
            block = Block(words[0], words[1:])
            stack[-1].blocks.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, words
            stack.pop()
        elif token == ";":
            stack[-1].directives.append(words)
            words = []
        else:
            words.append(token)
    assert len(stack) == 1 and not words, "unbalanced braces"
    return root


@pytest.fixture(scope="module")
def conf() -> Block:
    return parse(NGINX_CONF.read_text())


def _server(conf: Block, port: str) -> Block:
    found = [
        server
        for server in conf.children("server")
        if any(listen[0] == port for listen in server.all("listen"))
    ]
    assert len(found) == 1, f"one server listening on {port}"
    return found[0]


def plain(conf: Block) -> Block:
    return _server(conf, "80")


def https(conf: Block) -> Block:
    return _server(conf, "443")


# ------------------------------------------------------------------ the configuration as text


def test_plain_http_only_redirects_to_https(conf):
    server = plain(conf)
    assert all("ssl" not in listen for listen in server.all("listen"))
    # nothing is proxied at the server level: each location says what it does
    assert not server.all("proxy_pass") and not server.all("return")
    locations = server.locations()
    assert set(locations) == {"/", "= /_stcore/health"}, set(locations)
    assert locations["/"].directives == [["return", "301", "https://$host$request_uri"]]
    # The one exception, for a load balancer or a monitor: the app's health, exact path only,
    # rate-limited, and never handing out Streamlit's XSRF cookie over plain HTTP.
    health = locations["= /_stcore/health"]
    assert health.one("proxy_pass") == ["http://streamlit"]
    assert ["Set-Cookie"] in health.all("proxy_hide_header")
    assert health.all("limit_req")
    assert not health.blocks


def test_the_https_server_keeps_every_limit_and_the_websocket(conf):
    server = https(conf)
    assert ["443", "ssl"] in server.all("listen")
    assert server.one("client_max_body_size") == ["100m"]  # the app's upload limit
    assert server.one("client_body_timeout") == ["60s"]
    assert server.one("client_header_timeout") == ["15s"]
    assert server.one("proxy_http_version") == ["1.1"]
    assert set(server.one("ssl_protocols")) <= {"TLSv1.2", "TLSv1.3"}

    zones = {
        arg.split("=")[1].split(":")[0]
        for name in ("limit_req_zone", "limit_conn_zone")
        for args in conf.all(name)
        for arg in args
        if arg.startswith("zone=")
    }
    assert {"requests", "uploads", "sockets_per_address", "sockets_total"} <= zones
    assert conf.one("limit_req_status") == ["429"] and conf.one("limit_conn_status") == ["429"]

    locations = server.locations()
    assert {"/", "/_stcore/stream", "/_stcore/upload_file"} <= set(locations)
    for path, location in locations.items():
        assert location.one("proxy_pass") == ["http://streamlit"], path
        assert ["X-Forwarded-Proto", "$scheme"] in location.all("proxy_set_header"), path
        for limit in location.all("limit_req") + location.all("limit_conn"):
            zone = limit[0].removeprefix("zone=")
            assert zone in zones, (path, limit)
    assert ["zone=requests", "burst=200", "nodelay"] in locations["/"].all("limit_req")
    assert ["zone=uploads", "burst=10", "nodelay"] in locations["/_stcore/upload_file"].all(
        "limit_req"
    )

    stream = locations["/_stcore/stream"]
    assert ["sockets_per_address", "120"] in stream.all("limit_conn")
    assert ["sockets_total", "1000"] in stream.all("limit_conn")
    assert ["zone=requests", "burst=200", "nodelay"] in stream.all("limit_req")
    headers = stream.all("proxy_set_header")
    assert ["Upgrade", "$http_upgrade"] in headers
    assert ["Connection", "$connection_upgrade"] in headers
    assert stream.one("proxy_read_timeout") == ["86400"]
    assert stream.one("proxy_send_timeout") == ["86400"]
    assert stream.one("proxy_buffering") == ["off"]
    upgrade = conf.children("map")
    assert any(block.args == ["$http_upgrade", "$connection_upgrade"] for block in upgrade)

    # sticky sessions: a Streamlit session lives in one replica
    upstream = conf.children("upstream")
    assert [block.args for block in upstream] == [["streamlit"]]
    assert upstream[0].all("ip_hash") == [[]]


def test_the_certificate_comes_from_the_mounted_folder(conf):
    server = https(conf)
    certificate, key = server.one("ssl_certificate")[0], server.one("ssl_certificate_key")[0]
    assert certificate == "/etc/nginx/certs/fullchain.pem"
    assert key == "/etc/nginx/certs/privkey.pem"


LEAKY_VARIABLES = (
    "$request",
    "$request_uri",
    "$args",
    "$query_string",
    "$is_args",
    "$arg_",
    "$http_referer",
    "$http_cookie",
    "$cookie_",
    "$request_body",
)


def test_the_logs_carry_no_request_line_query_string_or_referer(conf):
    formats = {args[0]: "".join(args[1:]) for args in conf.all("log_format")}
    assert formats, "a log_format of our own"
    for name, text in formats.items():
        variables = re.findall(r"\$\w+", text)
        assert "$uri" in variables, name
        leaks = [
            v
            for v in variables
            if any(
                v == leak or (leak.endswith("_") and v.startswith(leak)) for leak in LEAKY_VARIABLES
            )
        ]
        assert not leaks, (name, leaks)
    # nginx's image logs with `combined`-like `main` at the http level: every server replaces
    # it (an access_log at a lower level drops the inherited ones) with one of our formats,
    # and keeps its error log (which quotes request lines and Referers) to `crit`.
    assert not conf.all("access_log"), "one at the http level would add a log, not replace one"
    for server in (plain(conf), https(conf)):
        logs = server.all("access_log")
        assert logs and all(len(log) == 2 and log[1] in formats for log in logs), logs
        assert [log[1] for log in server.all("error_log")] == ["crit"]
        for location in server.blocks:
            assert not location.all("access_log") and not location.all("error_log")


def _headers(block: Block) -> dict[str, list[str]]:
    return {args[0].lower(): args[1:] for args in block.all("add_header")}


def test_referrer_policy_no_referrer_everywhere(conf):
    """nginx's rule: a location with an add_header of its own drops every add_header of its
    server, so the header must be in each server and in every location that has headers."""
    for server in (plain(conf), https(conf)):
        assert _headers(server).get("referrer-policy") == ["no-referrer", "always"]
        for location in server.blocks:
            headers = _headers(location)
            if headers:
                assert headers.get("referrer-policy") == ["no-referrer", "always"], location.args


def test_hsts_on_the_https_server_only(conf):
    """Issue 36, item 4: a server open to the internet tells browsers to stay on HTTPS. At
    server level (a location with an add_header of its own would drop it: none has one), and
    not on plain HTTP, where browsers ignore it and the redirect does the work."""
    server = https(conf)
    assert _headers(server).get("strict-transport-security") == ["max-age=31536000", "always"]
    assert not any(_headers(location) for location in server.blocks)
    assert "strict-transport-security" not in _headers(plain(conf))


def test_the_xsrf_cookie_is_marked_secure_behind_https(conf):
    """Streamlit sees plain HTTP from nginx and sets `_streamlit_xsrf` without `Secure`; nginx
    adds it, so the token (the browser's identity) never rides a plain-HTTP request."""
    server = https(conf)
    assert server.one("proxy_cookie_flags") == ["~", "secure"]
    for location in server.blocks:
        assert not location.all("proxy_cookie_flags"), location.args


# ------------------------------------------------------------------ compose, image, script


def _compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_publishes_https_and_mounts_the_configuration_and_certificates(conf):
    nginx = _compose()["services"]["nginx"]
    published = {port.rsplit(":", 1)[1]: port.rsplit(":", 1)[0] for port in nginx["ports"]}
    assert published == {"443": "${AE_HTTPS_PORT:-443}", "80": "${AE_HTTP_PORT:-80}"}
    volumes = {
        volume.split(":")[-2] if volume.endswith(":ro") else volume.split(":")[-1]: volume
        for volume in nginx["volumes"]
    }
    assert volumes["/etc/nginx/conf.d/default.conf"].startswith("./nginx.conf:")
    certificate = https(conf).one("ssl_certificate")[0]
    assert os.path.dirname(certificate) in volumes
    # writable: a self-signed pair lands there
    assert not volumes[os.path.dirname(certificate)].endswith(":ro")
    assert nginx["build"] == {"context": ".", "dockerfile": "Dockerfile.nginx"}
    assert nginx.get("mem_limit")


def test_the_nginx_image_runs_the_certificate_script_at_start():
    dockerfile = (DEPLOY / "Dockerfile.nginx").read_text()
    assert re.search(r"^FROM nginx:1\.2[5-9]", dockerfile, re.M), "http2 on; needs nginx 1.25.1+"
    assert re.search(r"apk add .*openssl", dockerfile)
    copied = re.search(
        r"^COPY nginx-self-signed\.sh (/docker-entrypoint\.d/\S+\.sh)$", dockerfile, re.M
    )
    assert copied, "the image's entrypoint runs /docker-entrypoint.d/*.sh before nginx"
    # ... only when executable: the mode comes from the checkout
    assert CERT_SCRIPT.stat().st_mode & stat.S_IXUSR
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert "deploy/certs" in ignored, "a private key must never be copied into the app's image"
    assert (DEPLOY / "certs" / ".gitignore").read_text().split()[-2:] == ["*", "!.gitignore"]


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")


def _run_script(folder: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(CERT_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "AE_TLS_DIR": str(folder), **env},
    )


@needs_openssl
def test_without_a_certificate_a_self_signed_one_is_made_once_and_announced(tmp_path):
    folder = tmp_path / "certs"
    made = _run_script(folder, AE_TLS_NAMES="class.school.example,192.168.1.10")
    assert made.returncode == 0, made.stderr
    assert "SELF-SIGNED" in made.stdout and "Fingerprint" in made.stdout
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    names = subprocess.run(
        ["openssl", "x509", "-in", str(certificate), "-noout", "-ext", "subjectAltName"],
        capture_output=True,
        text=True,
    ).stdout
    assert "DNS:class.school.example" in names and "IP Address:192.168.1.10" in names
    assert not list(folder.glob("*.new"))

    first = certificate.read_bytes()
    again = _run_script(folder)  # a restart keeps it (browsers accepted that one)
    assert again.returncode == 0 and "SELF-SIGNED" not in again.stdout
    assert certificate.read_bytes() == first


@needs_openssl
def test_a_half_provided_certificate_stops_nginx_rather_than_being_replaced(tmp_path):
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "fullchain.pem").write_text("a real certificate, its key not copied yet")
    refused = _run_script(folder)
    assert refused.returncode != 0 and "only one of" in refused.stderr
    assert (folder / "fullchain.pem").read_text().startswith("a real certificate")
    assert not (folder / "privkey.pem").exists()


# ------------------------------------------------------------------ nginx itself, if installed

NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)),
    None,
)
needs_nginx = pytest.mark.skipif(
    NGINX is None or shutil.which("openssl") is None,
    reason="no nginx binary (apt-get install nginx-light)",
)


def _nginx_version() -> tuple[int, ...]:
    output = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr
    return tuple(int(part) for part in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", output).groups())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _local_copy(tmp_path: Path, upstream: int, http_port: int, https_port: int) -> Path:
    """deploy/nginx.conf, runnable here: replicas on `upstream`, certificates, logs and ports
    local. Only addresses and paths change (and, before nginx 1.25.1, `http2 on;` becomes
    `listen ... http2`, the older spelling of the same thing)."""
    certs = tmp_path / "certs"
    assert _run_script(certs).returncode == 0
    text = NGINX_CONF.read_text()
    text = re.sub(r"\bapp[12]:8501\b", f"127.0.0.1:{upstream}", text)
    text = text.replace("/etc/nginx/certs", str(certs)).replace("/var/log/nginx", str(tmp_path))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    if _nginx_version() < (1, 25, 1):
        text = re.sub(r"^\s*http2 on;.*$", "", text, flags=re.M)
        text = text.replace(" ssl;", " ssl http2;")
    (tmp_path / "default.conf").write_text(text)
    main = tmp_path / "nginx.conf"
    main.write_text(f"""
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/main-error.log notice;
        events {{ worker_connections 64; }}
        http {{
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi;
            uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
            # the official image's own format, which ours must replace, not join
            log_format main '$remote_addr "$request" "$http_referer"';
            access_log {tmp_path}/image-main.log main;
            include {tmp_path}/default.conf;
        }}
    """)
    return main


@needs_nginx
def test_nginx_accepts_the_configuration(tmp_path):
    main = _local_copy(tmp_path, _free_port(), _free_port(), _free_port())
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(main), "-e", str(tmp_path / "t-error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr


class _Replica(http.server.BaseHTTPRequestHandler):
    """A stand-in Streamlit replica: answers everything, setting an XSRF cookie as it does."""

    def do_GET(self):  # http.server's name
        body = b"ok"
        self.send_response(200)
        self.send_header("Set-Cookie", "_streamlit_xsrf=2|00000000|abcd|1; Path=/; SameSite=Lax")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@needs_nginx
def test_a_real_nginx_redirects_keeps_tokens_off_plain_http_and_logs_no_query(tmp_path):
    replica = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Replica)
    threading.Thread(target=replica.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    main = _local_copy(tmp_path, replica.server_address[1], http_port, https_port)
    nginx = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(tmp_path),
            "-c",
            str(main),
            "-e",
            str(tmp_path / "run-error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        secret = "key=TEACHERSECRET&class=ABC123"
        opener = urllib.request.build_opener(_NoRedirect)

        # plain HTTP: a redirect to the same address over HTTPS, nothing proxied
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(f"http://127.0.0.1:{http_port}/class?{secret}", timeout=10)
        assert moved.value.code == 301
        assert moved.value.headers["Location"] == f"https://127.0.0.1/class?{secret}"
        assert moved.value.headers["Referrer-Policy"] == "no-referrer"
        assert moved.value.headers.get("Set-Cookie") is None

        # the health check over plain HTTP: the app's answer, without its cookie
        with opener.open(f"http://127.0.0.1:{http_port}/_stcore/health", timeout=10) as health:
            assert health.read() == b"ok" and health.headers.get("Set-Cookie") is None

        # HTTPS: the page, no Referer for anything it loads, the token's cookie Secure
        context = ssl.create_default_context(cafile=str(tmp_path / "certs" / "fullchain.pem"))
        context.check_hostname = False  # the certificate names localhost; we dial 127.0.0.1
        page = urllib.request.urlopen(
            f"https://127.0.0.1:{https_port}/class?{secret}", context=context, timeout=10
        )
        with page:
            assert page.read() == b"ok"
            assert page.headers["Referrer-Policy"] == "no-referrer"
            cookie = page.headers["Set-Cookie"]
            assert cookie.startswith("_streamlit_xsrf=") and "secure" in cookie.lower()
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)
        replica.shutdown()
        replica.server_close()

    access = (tmp_path / "access.log").read_text()
    assert "/class" in access and "/_stcore/health" in access
    written = "".join(path.read_text() for path in tmp_path.glob("*.log"))
    assert "TEACHERSECRET" not in written and "ABC123" not in written
    assert not (tmp_path / "image-main.log").read_text(), "the image's format still logs"
