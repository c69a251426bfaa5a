"""`scripts/backfill_locations.py --wait`: which ended backfills count as success (exit status 0).

The script against a live deployment is in orchestration/test_live_deployment.py.
"""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "backfill_locations.py"


def load_script():
    spec = importlib.util.spec_from_file_location("backfill_locations", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("status", "succeeded"), [
    ("COMPLETED_SUCCESS", True),
    # Deprecated: every run was submitted, which says nothing of their outcome.
    ("COMPLETED", False),
    ("COMPLETED_FAILED", False),
    ("FAILED", False),
    ("CANCELED", False),
])
def test_only_completed_success_is_success(status: str, succeeded: bool):
    script = load_script()
    assert status in script.DONE  # --wait stops on it
    assert script.backfill_succeeded({"status": status, "runs": []}) is succeeded
