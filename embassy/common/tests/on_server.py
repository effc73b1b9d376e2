"""Runs a browser test's data set-up on its server's database, in a process of its own.

    python -m embassy.common.tests.on_server MODULE:FUNCTION '{"keyword": "arguments"}'

Django starts from the environment the server runs with (its VAR_DIR, or its DATABASE_URL), so the function's
factories and services write where the server reads; what the function returns is printed as JSON on the last
line. The harness (harness.on_server_call) runs it; a test never writes Python into a string for a shell.
"""

from __future__ import annotations

import importlib
import json
import sys

import django


def main(target: str, arguments: str) -> None:
    django.setup()
    module, name = target.split(":")
    result = getattr(importlib.import_module(module), name)(**json.loads(arguments))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
