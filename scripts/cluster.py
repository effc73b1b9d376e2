"""A production-shaped cluster on one machine: `make cluster` (foreground), or `Cluster` from Python (tests,
benchmarks/, `make faults`).

What runs, each as its own process, all with production settings (DEBUG=0) and the same code paths as deploy/:
  - PostgreSQL: a private instance (initdb under the run folder, its own port), so that a fault drill can stop
    and restart it without touching the machine's own; or an existing server with --database-url;
  - Redis: a private redis-server (its own port): database 0 the task queues, database 1 the cache;
  - an S3-compatible store for attachments: moto in server mode (what django-storages talks to);
  - N app nodes: `deploy/entrypoint.sh web` (uvicorn, the production flags) on 127.0.0.1:BASE+1…;
  - HAProxy (Debian's package) on 127.0.0.1:BASE: least connections, GET /readyz health checks each second,
    a request that could not reach a node is sent to another (redispatch), /metrics is not served;
  - two task workers: `deploy/entrypoint.sh worker` with TASKS_BACKEND=rq (django-tasks-rq on rq);
  - one scheduler: `deploy/entrypoint.sh scheduler` (leader election: a second one waits as a standby).
A supervisor thread restarts any process that exits unexpectedly, as compose's `restart: unless-stopped` does;
`kill()` (kill -9) and `stop_process()` are for drills.

Keys (SECRET_KEY, FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY) are made once per run folder (keys.env) and kept,
so that a restarted cluster reads what it encrypted. Nothing here is for a real deployment's secrets.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
BUCKET = "embassy-attachments"


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, else from Debian's versioned folder (the newest)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    return str(candidates[-1]) if candidates else None


def missing_tools(private_postgres: bool = True) -> list[str]:
    """What this machine lacks to run the cluster."""
    missing = [tool for tool in ("haproxy", "redis-server") if shutil.which(tool) is None]
    if private_postgres and (pg_bin("initdb") is None or pg_bin("postgres") is None):
        missing.append("PostgreSQL's server (initdb, postgres)")
    return missing


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: closed connections don't count
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def http_get(url: str, timeout: float = 5.0, host: str = "127.0.0.1") -> tuple[int, dict[str, object]]:
    """(status, JSON body) of a GET; status 0 when nothing answered."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "Host": host})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except (OSError, ValueError):
        return 0, {}


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    popen: subprocess.Popen[bytes] | None = None
    wanted: bool = True  # restarted by the supervisor when it exits
    restarts: int = 0
    user: str | None = None  # run as this user (PostgreSQL refuses root)


@dataclass
class Cluster:
    """See the module's docstring. `with Cluster(...).running() as c:` starts everything and stops it after."""

    nodes: int = 2
    workers: int = 2
    schedulers: int = 1
    base_port: int = 8300
    run_dir: Path = ROOT / "var" / "cluster"
    web_concurrency: int = 1
    database_url: str | None = None  # an existing PostgreSQL instead of the private one
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)
    _supervise: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir).resolve()  # every process runs from the repository root

    # --- addresses --------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    def node_port(self, n: int) -> int:
        return self.base_port + n  # n = 1, 2, ...

    @property
    def pg_port(self) -> int:
        return self.base_port + 32

    @property
    def redis_port(self) -> int:
        return self.base_port + 33

    @property
    def s3_port(self) -> int:
        return self.base_port + 34

    @property
    def dsn(self) -> str:
        return self.database_url or f"postgres://postgres@127.0.0.1:{self.pg_port}/embassy"

    @property
    def logs(self) -> Path:
        return self.run_dir / "logs"

    # --- settings ---------------------------------------------------------------------------------------
    def _keys(self) -> dict[str, str]:
        path = self.run_dir / "keys.env"
        if not path.exists():
            self.run_dir.mkdir(parents=True, exist_ok=True)
            key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
            path.write_text(f"SECRET_KEY={secrets.token_urlsafe(50)}\nFIELD_ENCRYPTION_KEYS=c1:{key}\n"
                            f"FIELD_HASH_KEY={secrets.token_urlsafe(32)}\nMETRICS_TOKEN={secrets.token_urlsafe(24)}\n")
            path.chmod(0o600)
        return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)

    def env(self) -> dict[str, str]:
        """The environment of every app process: deploy/.env.example's production settings, pointed here."""
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "DATABASE_", "TASKS_", "REDIS_", "CACHE_", "ATTACHMENTS_", "VAR_DIR",
                                     "PROMETHEUS_", "DEBUG", "SQLITE_"))}
        venv_bin = str(Path(sys.executable).parent)
        base.update(
            PATH=f"{venv_bin}:{base.get('PATH', '/usr/bin:/bin')}",
            APP_DIR=str(ROOT), PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="0", VAR_DIR=str(self.run_dir / "var"),
            SITE_URL=self.url, ALLOWED_HOSTS="127.0.0.1,localhost", CSRF_TRUSTED_ORIGINS=self.url,
            # Plain HTTP on loopback: no TLS in front (deploy/'s Caddy adds it), so no redirect to https.
            SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0",
            LOG_LEVEL="INFO", LOG_FORMAT="json", DEMO_SHOW_CODES="0",
            DATABASE_URL=self.dsn, CONN_MAX_AGE=os.environ.get("CLUSTER_CONN_MAX_AGE", "60"),
            TASKS_BACKEND="rq", REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CACHE_URL=f"redis://127.0.0.1:{self.redis_port}/1",
            ATTACHMENTS_S3_BUCKET=BUCKET, ATTACHMENTS_S3_ENDPOINT_URL=f"http://127.0.0.1:{self.s3_port}",
            ATTACHMENTS_S3_REGION="us-east-1", ATTACHMENTS_S3_ACCESS_KEY_ID="cluster",
            ATTACHMENTS_S3_SECRET_ACCESS_KEY="cluster-secret",  # moto accepts any credentials  # noqa: S106
            FORWARDED_ALLOW_IPS="127.0.0.1", WEB_CONCURRENCY=str(self.web_concurrency),
            BIND_HOST="127.0.0.1", EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        )
        base.update(self._keys())
        base.update(self.extra_env)
        return base

    # --- processes --------------------------------------------------------------------------------------
    def _spawn(self, proc: Proc) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{proc.name}.log", "ab")  # noqa: SIM115 - the child keeps it
        argv = proc.argv
        if proc.user and os.geteuid() == 0:
            argv = ["runuser", "-u", proc.user, "--", *argv]
        proc.popen = subprocess.Popen(argv, cwd=ROOT, env=proc.env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        log.close()

    def add(self, name: str, argv: list[str], env: dict[str, str] | None = None, user: str | None = None) -> Proc:
        proc = Proc(name, argv, env or self.env(), user=user)
        with self._lock:
            self.procs[name] = proc
            self._spawn(proc)
        return proc

    def pid(self, name: str) -> int:
        popen = self.procs[name].popen
        assert popen is not None
        return popen.pid

    def kill(self, name: str, sig: int = signal.SIGKILL, restart: bool = False) -> None:
        """Kill a process (kill -9 by default) and its children; the supervisor restarts it only if `restart`."""
        with self._lock:
            proc = self.procs[name]
            proc.wanted = restart
            if proc.popen is not None and proc.popen.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, sig)
        if proc.popen is not None:
            try:
                proc.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait()

    def stop_process(self, name: str) -> None:
        self.kill(name, signal.SIGTERM)

    def start_process(self, name: str) -> None:
        with self._lock:
            proc = self.procs[name]
            proc.wanted = True
            if proc.popen is None or proc.popen.poll() is not None:
                self._spawn(proc)
        if name == "s3":  # moto keeps its buckets in memory: a restarted one starts empty
            wait_port(self.s3_port, 60)
            self._ensure_bucket()

    def restart_with(self, name: str, env: dict[str, str | None]) -> None:
        """Stop a process and start it again with these environment changes (None removes a variable), e.g. a
        clock skew through libfaketime for a drill."""
        self.stop_process(name)
        with self._lock:
            proc = self.procs[name]
            for key, value in env.items():
                if value is None:
                    proc.env.pop(key, None)
                else:
                    proc.env[key] = value
        self.start_process(name)

    def alive(self, name: str) -> bool:
        popen = self.procs[name].popen
        return popen is not None and popen.poll() is None

    def _supervisor(self) -> None:
        backoff: dict[str, float] = {}
        while self._supervise:
            with self._lock:
                for name, proc in self.procs.items():
                    if (proc.wanted and proc.popen is not None and proc.popen.poll() is not None
                            and time.monotonic() >= backoff.get(name, 0.0)):
                        proc.restarts += 1
                        backoff[name] = time.monotonic() + min(5.0, 0.5 * proc.restarts)
                        self._spawn(proc)
            time.sleep(0.2)

    # --- set-up -----------------------------------------------------------------------------------------
    def _check_tools(self) -> None:
        missing = missing_tools(private_postgres=self.database_url is None)
        if missing:
            raise RuntimeError(f"the cluster needs {', '.join(missing)} (Debian: apt-get install haproxy "
                               "redis-server postgresql)")
        busy = [p for p in (self.base_port, *(self.node_port(n) for n in range(1, self.nodes + 1)),
                            self.redis_port, self.s3_port) if not port_free(p)]
        if self.database_url is None and not port_free(self.pg_port):
            busy.append(self.pg_port)
        if busy:
            raise RuntimeError(f"ports in use: {busy} (another cluster running? choose --base-port)")

    def _start_postgres(self, fresh: bool) -> None:
        data = self.run_dir / "pg"
        if fresh and data.exists():
            shutil.rmtree(data)
        user = "postgres" if os.geteuid() == 0 else None
        if not data.exists():
            data.mkdir(parents=True)
            if user:
                shutil.chown(data, user, user)
            data.chmod(0o700)
            argv = [str(pg_bin("initdb")), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
            if user:
                argv = ["runuser", "-u", user, "--", *argv]
            subprocess.run(argv, check=True, capture_output=True)
        socket_dir = self.run_dir / "pg-socket"
        socket_dir.mkdir(exist_ok=True)
        if user:
            shutil.chown(socket_dir, user, user)
        # Sized for this machine: enough connections for every node's threads, the workers and a drill's
        # clients; the rest are PostgreSQL's defaults (durable commits included: fsync and synchronous_commit on).
        self.add("postgres", [str(pg_bin("postgres")), "-D", str(data), "-p", str(self.pg_port), "-k", str(socket_dir),
                              "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
                              "-c", "shared_buffers=256MB"], env=dict(os.environ), user=user)
        self.wait_postgres(60)

    def wait_postgres(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.dsn.rsplit("/", 1)[0] + "/postgres", connect_timeout=2) as con:
                    con.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _create_database(self, fresh: bool) -> None:
        import psycopg

        admin, name = self.dsn.rsplit("/", 1)
        with psycopg.connect(admin + "/postgres", autocommit=True) as con:
            exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and fresh:
                con.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                con.execute(f'CREATE DATABASE "{name}"')

    def _start_redis(self) -> None:
        folder = self.run_dir / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        # Append-only file: queued tasks survive a Redis restart (as deploy/compose.yaml's Redis keeps them).
        self.add("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(folder),
                           "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                           "--maxmemory-policy", "noeviction"], env=dict(os.environ))
        wait_port(self.redis_port, 20)

    def _start_s3(self) -> None:
        self.add("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)],
                 env=dict(os.environ))
        wait_port(self.s3_port, 60)
        self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        import boto3

        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.s3_port}", region_name="us-east-1",
                              aws_access_key_id="cluster", aws_secret_access_key="cluster-secret")  # noqa: S106
        names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if BUCKET not in names:
            client.create_bucket(Bucket=BUCKET)

    def manage(self, *args: str, timeout: float = 1800, env: dict[str, str] | None = None) -> str:
        """`manage.py ARGS` with the cluster's settings; raises with its output when it fails."""
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env(), **(env or {})},
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return done.stdout

    def _haproxy_config(self) -> Path:
        servers = "\n".join(f"    server node{n} 127.0.0.1:{self.node_port(n)} check"
                            for n in range(1, self.nodes + 1))
        text = f"""# Written by scripts/cluster.py (docs/operations.md, "The cluster on one machine").
global
    maxconn 4096
    log stderr format short local0 notice

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 10s
    timeout http-keep-alive 4s
    option http-keep-alive
    # A request that never reached a node (refused, reset before a response) goes to another one. The
    # app's idempotency keys make even a POST safe to send twice; the proxy only resends what failed to connect
    # or got no response at all.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend web
    bind 127.0.0.1:{self.base_port}
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    unique-id-format %{{+X}}o%ci%cp%rt%pid%Ts
    http-request set-header X-Request-ID %[unique-id] unless {{ req.hdr(x-request-id) -m found }}
    # No node ready (the database is away, all nodes restarting): answer as a node would, at once, with
    # Retry-After, so that phones retry with their idempotency keys.
    http-error status 503 content-type application/json hdr Retry-After 5 string "{{\\"detail\\": \\"Layanan sebentar tidak tersedia; coba lagi. / The service is briefly unavailable; try again in a few seconds.\\", \\"code\\": \\"unavailable\\", \\"errors\\": []}}"
    # /metrics is for Prometheus on each node, never through the proxy.
    http-request return status 404 if {{ path /metrics }}
    default_backend app

backend app
    balance leastconn
    # /readyz: database and warm indexes decide; a shared dependency that is down (queue, storage) is
    # reported but does not take every node out (docs/operations.md).
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 1 maxconn 64
{servers}
"""
        path = self.run_dir / "haproxy.cfg"
        path.write_text(text)
        return path

    def setup(self, fresh: bool = False) -> None:
        """Start the data services; migrate, load the reference data and collect static files."""
        self._check_tools()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if fresh:
            shutil.rmtree(self.run_dir / "redis", ignore_errors=True)
            shutil.rmtree(self.run_dir / "var", ignore_errors=True)
        (self.run_dir / "var").mkdir(exist_ok=True)
        self._supervise = True
        threading.Thread(target=self._supervisor, daemon=True, name="cluster-supervisor").start()
        if self.database_url is None:
            self._start_postgres(fresh)
        self._create_database(fresh)
        self._start_redis()
        if fresh:
            subprocess.run(["redis-cli", "-p", str(self.redis_port), "FLUSHALL"], check=False, capture_output=True)
        self._start_s3()
        done = subprocess.run([str(ENTRYPOINT), "migrate"], cwd=ROOT, env={**self.env(), "DEPLOY_CHECK": "0"},
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"migrate failed:\n{done.stderr[-4000:]}")
        self.manage("collectstatic", "--noinput", "-v0")

    def start_app(self) -> None:
        """The app nodes, the workers, the scheduler(s) and the proxy; returns once the proxy serves /readyz."""
        for n in range(1, self.nodes + 1):
            env = {**self.env(), "PORT": str(self.node_port(n)),
                   "PROMETHEUS_MULTIPROC_DIR": str(self.run_dir / f"prometheus-node{n}")}
            self.add(f"node{n}", [str(ENTRYPOINT), "web"], env=env)
        for n in range(1, self.workers + 1):
            # The first worker never takes the slow "bulk" tasks (pulls from the platforms), and takes the outbox
            # ("notify") before "default": rq serves its queues strictly in order, and during an SOS storm the
            # fan-out keeps "default" busy without a break, which held every outbox message (the officers' SOS
            # messages too) for minutes. The others take "default" first, so an SOS fan-out or a roll-call never
            # waits behind the outbox; everything else in the same order.
            queues = "inbound notify default" if n == 1 and self.workers > 1 else "inbound default notify bulk"
            self.add(f"worker{n}", [str(ENTRYPOINT), "worker"], env={**self.env(), "WORKER_QUEUES": queues})
        for n in range(1, self.schedulers + 1):
            self.add(f"scheduler{n}", [str(ENTRYPOINT), "scheduler", "--interval", "1"])
        self.add("haproxy", ["haproxy", "-db", "-f", str(self._haproxy_config())], env=dict(os.environ))
        for n in range(1, self.nodes + 1):
            self.wait_ready(f"http://127.0.0.1:{self.node_port(n)}", 120)
        self.wait_ready(self.url, 30)

    def wait_ready(self, base: str, timeout: float) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        body: dict[str, object] = {}
        while time.monotonic() < deadline:
            status, body = http_get(f"{base}/readyz", timeout=3)
            if status == 200 and body.get("status") == "ready":
                return body
            time.sleep(0.2)
        raise RuntimeError(f"{base}/readyz not ready after {timeout:.0f} s: {body}")

    def stop(self) -> None:
        """Stop everything: the proxy and app first, the data services last."""
        self._supervise = False
        order = sorted(self.procs, key=lambda n: (n in ("postgres", "redis", "s3"), n))
        for name in order:
            proc = self.procs[name]
            proc.wanted = False
            if proc.popen is not None and proc.popen.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
                try:
                    proc.popen.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                    proc.popen.wait()

    @contextmanager
    def running(self, fresh: bool = True) -> Iterator[Cluster]:
        try:
            self.setup(fresh=fresh)
            self.start_app()
            yield self
        finally:
            self.stop()

    def describe(self) -> str:
        lines = [f"Smart Embassy cluster (Ctrl-C stops it). Run folder: {self.run_dir}",
                 f"  Through the proxy (HAProxy):  {self.url}/   readiness {self.url}/readyz",
                 *(f"  node{n} (Granian):            http://127.0.0.1:{self.node_port(n)}/   "
                   f"metrics http://127.0.0.1:{self.node_port(n)}/metrics" for n in range(1, self.nodes + 1)),
                 f"  PostgreSQL:                   {self.dsn}",
                 f"  Redis (queues 0, cache 1):    redis://127.0.0.1:{self.redis_port}",
                 f"  S3 (moto):                    http://127.0.0.1:{self.s3_port}/{BUCKET}",
                 f"  workers: {self.workers} (rq), schedulers: {self.schedulers}; logs in {self.logs}",
                 f"  metrics token (METRICS_TOKEN): {self.env()['METRICS_TOKEN']}"]
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--schedulers", type=int, default=1)
    parser.add_argument("--base-port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8300")))
    parser.add_argument("--run-dir", type=Path, default=ROOT / "var" / "cluster")
    parser.add_argument("--database-url", default=None, help="an existing PostgreSQL instead of a private one")
    parser.add_argument("--fresh", action="store_true", help="start from empty database, queues and files")
    parser.add_argument("--demo", action="store_true", help="load the demo data (as `make run` does)")
    args = parser.parse_args(argv)
    cluster = Cluster(nodes=args.nodes, workers=args.workers, schedulers=args.schedulers, base_port=args.base_port,
                      run_dir=args.run_dir, database_url=args.database_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        cluster.setup(fresh=args.fresh)
        if args.demo:
            cluster.manage("seed_demo", "--citizens", "2000", "--seed", "1", env={"DEBUG": "1"})
        cluster.start_app()
        print(cluster.describe(), flush=True)
        while not stop.is_set():
            stop.wait(1.0)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
