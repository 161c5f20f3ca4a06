"""docs/op-coverage.md is generated from the registry and the committed test models: it must be current, and every
op slimrt registers must be exercised by at least one committed test model."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_op_coverage_doc_is_current():
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "op_coverage.py"), "--check"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr


def test_every_registered_op_is_tested():
    text = (REPO / "docs" / "op-coverage.md").read_text()
    untested = [line.split("|")[1].strip() for line in text.splitlines() if "**untested**" in line]
    assert not untested, f"ops registered but exercised by no committed test model: {untested}"
