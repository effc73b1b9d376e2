"""docs/architecture.md shows the layers that the import-linter contract enforces."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_documented_layers_are_the_contract() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "layers_doc.py"), "--check"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr


def test_every_app_is_in_a_layer() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from layers_doc import contract_layers  # a script, not a package
    finally:
        sys.path.pop(0)
    layered = {pkg for layer in contract_layers() for pkg in layer}
    apps = {f"embassy.{p.parent.name}" for p in (ROOT / "embassy").glob("*/apps.py")}
    assert apps <= layered, f"apps missing from the layers contract: {sorted(apps - layered)}"
