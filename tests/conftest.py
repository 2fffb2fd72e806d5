"""Shared helpers: build cases from a few blocks, assess them as plain data."""
from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from backcare.clinical.api import assess_data
from backcare.clinical.caseio import parse_case

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# A calm baseline: an adult with mechanical low back pain who was screened for
# the emergency questions. Tests add or change only what they are about.
BASELINE = {
    "client": {"age": 40, "sex": "female"},
    "history": {"onset": "gradual", "duration_days": 20, "aggravating": ["bending_forward"], "easing": ["rest"]},
    "symptoms": {
        "pain_nrs": 4,
        "pain_sites": ["low_back"],
        "saddle_anaesthesia": False,
        "bladder_dysfunction": False,
        "bowel_dysfunction": False,
        "sexual_dysfunction": False,
        "progressive_weakness": False,
    },
}

# The browser fixtures (a served app, Chromium, desktop and tablet pages) for every browser test module.
pytest_plugins = ["browser_support"]


def merged(base: dict, changes: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def make_case(**blocks) -> dict:
    """BASELINE with the given blocks merged in; validated like any case."""
    data = merged(BASELINE, blocks)
    return parse_case(data).findings()


def run_case(**blocks) -> dict:
    return assess_data(make_case(**blocks))


def ids(items, key="id"):
    return [i[key] for i in items]


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail("../shared must be beside the checkout in CI (vignettes, spec, seeds)")
        pytest.skip("../shared is not beside this checkout")
    return SHARED


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the session (None where the binaries are missing)."""
    from postgres_support import postgres_server

    with postgres_server() as base_url:
        yield base_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, postgres) -> str:
    """A fresh, empty database URL: SQLite (the default) and a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    if postgres is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing in CI")
        pytest.skip("no PostgreSQL server binaries on this machine")
    from postgres_support import new_database

    return new_database(postgres)
