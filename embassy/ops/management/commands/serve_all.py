"""`make run`: the web server (Granian, WSGI), the task worker and the scheduler, as child processes (and the
SMPP listener when an SMPP account is configured)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from embassy.accounts.demo import DEMO_PASSWORD, DEMO_STAFF, demo_totp_secret_b32
from embassy.common.sqlite.base import checkpoint
from embassy.notify.models import ProviderAccount


class Command(BaseCommand):
    help = "Run web server + task worker + scheduler until interrupted (development / demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint("TRUNCATE")  # fold what migrate/seed wrote into the database file before serving
        host, port = settings.HOST, settings.PORT
        py = sys.executable
        # The worker's and the scheduler's SQLite writes give way to the web's (embassy/common/sqlite).
        background = {**os.environ, "SQLITE_WRITER": "background"}
        procs = {
            # Granian (Rust HTTP server) running Django's WSGI application: the app is synchronous, and
            # this path costs a fraction of ASGI's per-request overhead (docs/adr/0006-web-server.md).
            "web": subprocess.Popen([py, "-m", "granian", "--interface", "wsgi", "config.wsgi:application",
                                     "--host", host, "--port", port,
                                     "--workers", str(settings.WEB_WORKERS),
                                     "--blocking-threads", str(settings.WEB_THREADS),
                                     "--no-access-log", "--log-level", "warning"]),
            # Background work yields the CPU to the web processes (WORKER_NICE, default 5): on a small
            # machine a broadcast must not slow down the panic button. No autoreloader (db_worker's default
            # under DEBUG): its once-a-second stat of every module file was a third of the worker's CPU, and
            # the web server beside it does not reload either.
            "worker": subprocess.Popen([py, "manage.py", "run_worker", "--queue-name", "*", "--exclude-queues",
                                        "inbound", "--interval", "0.5", "--no-reload"],
                                       preexec_fn=_nice, env=background),
            # Texts people send us (an SOS by SMS) are stored by the webhook and made into cases here: as urgent
            # as the panic button, so neither niced nor giving way, and it looks for work every 50 ms.
            "inbound": subprocess.Popen([py, "manage.py", "run_worker", "--queue-name", "inbound", "--interval",
                                         "0.05", "--no-reload"]),
            "scheduler": subprocess.Popen([py, "manage.py", "run_scheduler"], env=background),
        }
        if ProviderAccount.objects.filter(vendor=ProviderAccount.Vendor.SMPP, enabled=True).exists():
            # SMPP's receipts and inbound messages come over a bind, not a webhook.
            procs["smpp"] = subprocess.Popen([py, "manage.py", "smpp_listen"], env=background)
        if settings.SOCIAL_REPLAY_PORT:
            # The demo's social-media platforms on loopback, for "pull now" on a demo account (embassy.social.replay).
            procs["social-replay"] = subprocess.Popen([py, "manage.py", "social_replay", "--port",
                                                       str(settings.SOCIAL_REPLAY_PORT)], env=background,
                                                      stdout=subprocess.DEVNULL)
        self._banner(host, port)
        stop = {"now": False}

        def _stop(signum: int, frame: Any) -> None:
            stop["now"] = True

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        try:
            while not stop["now"]:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with status {proc.returncode}; stopping")
                        stop["now"] = True
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _banner(self, host: str, port: str) -> None:
        base = f"http://{host}:{port}"
        lines = [
            "",
            "Smart Embassy is running (Ctrl-C stops web server, worker and scheduler).",
            f"  Citizen app (Safe Travel):  {base}/",
            f"  Panic button (citizens):    {base}/sos/        SOS queue (staff): {base}/konsol/sos/",
            f"  Country information:        {base}/informasi-negara/   (Atom: /informasi-negara/feed.atom)",
            f"  Officer console:            {base}/konsol/",
            f"  Crises and roll-call:       {base}/konsol/krisis/     Where citizens are: {base}/konsol/sebaran/",
            f"  Social media (hq.digital, kl.socmed): {base}/konsol/sosmed/dasbor/   (demo accounts: \"pull now\""
            f" reads {settings.SOCIAL_REPLAY_URL or 'the platforms'})",
            f"  Consular services:          {base}/layanan/   (book: Kuala Lumpur, Singapura, Hong Kong)",
            f"  Consular console (kl.consular, kl.consul): {base}/konsol/dasbor-konsuler/   queue {base}/konsol/antrean/",
            f"  Kiosk and TV display (KL):  {base}/perwakilan/KBRI-KUALA-LUMPUR/antrean/   …/antrean/layar/",
            f"  Admin (HQ administrators):  {base}/admin/",
            f"  API docs (OpenAPI):         {base}/api/v1/docs   ({base}/api/v1/openapi.json)",
            "",
            "Demo logins",
            "  citizens: sign in at /masuk/ with siti.rahayu@example.com, budi.santoso@example.com or",
            "            dewi.lestari@example.com; the one-time code is shown on the page in this demo.",
            f"  staff: sign in at /staf/masuk/ with password {DEMO_PASSWORD}, then the second factor:",
            "         add the TOTP secret below to an authenticator app, or print the current code with",
            "         `.venv/bin/python manage.py demo_otp USERNAME`.",
        ]
        for username, _name, unit, role in DEMO_STAFF:
            lines.append(f"    {username:<18} {unit:<18} {role:<20} {demo_totp_secret_b32(username)}")
        lines += [
            "",
            "Try it: sign in as siti.rahayu@example.com in one browser and press SOS; in another, sign in as",
            "kl.protection and open the SOS queue — the case appears within a second. Messages that would go",
            "out by SMS/WhatsApp are written to var/notify/sink.jsonl, e-mails to var/mail/.",
            f"Links in messages lead to {settings.SITE_URL} (SITE_URL; by default where this serves: HOST, PORT).",
            "Crisis drill: as kl.protection, declare a crisis around Kuala Lumpur at /konsol/krisis/baru/ (draw a",
            "circle), start the roll-call in the crisis room, then open an /aman/... link from the sink file.",
        ]
        self.stdout.write("\n".join(lines) + "\n")


def _nice() -> None:
    os.nice(settings.WORKER_NICE)
