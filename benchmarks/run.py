"""Run benchmarks: `python -m benchmarks.run [name ...] [options]` (all bench_*.py when no name is given).

Names come first; everything from the first argument starting with "-" is passed to each benchmark's
`main(argv)` (e.g. `python -m benchmarks.run geo --quick`). The exit status is 0 even when goals are
missed: benchmarks report, they do not gate (the goals are printed and recorded in var/bench/*.json).
"""

from __future__ import annotations

import importlib
import os
import secrets
import sys
import traceback
from pathlib import Path


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like settings (DEBUG off), without requiring real secrets: throwaway keys for this run.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if not os.environ.get("FIELD_ENCRYPTION_KEYS"):
        import base64

        os.environ["FIELD_ENCRYPTION_KEYS"] = (
            "bench:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        )
    os.environ.setdefault("FIELD_HASH_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    import django

    django.setup()


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    split = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
    names, options = args[:split], args[split:]
    if not names and options[:1] in (["-h"], ["--help"]):
        print(__doc__)
        print("available:", " ".join(available()))
        return 0
    known = available()
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown benchmark(s): {' '.join(unknown)}; available: {' '.join(known)}", file=sys.stderr)
        return 2
    _setup_django()
    failed: list[str] = []
    for name in names or known:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        try:
            module.main(options)
        except Exception:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            failed.append(name)
        print()
    from benchmarks.common import side_by_side

    print(side_by_side())
    if failed:
        print(f"benchmarks that crashed: {' '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
