"""Shared by the cross tests and their conftest (a uniquely named module: 'conftest' is ambiguous
when several test folders have one)."""
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "slim") not in sys.path:
    sys.path.insert(0, str(REPO / "slim"))

from slim import targets as T  # noqa: E402


def selected_targets():
    return T.select(os.environ.get("SLIM_CROSS_TARGETS", ""))
