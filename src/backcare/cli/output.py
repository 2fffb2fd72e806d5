"""The JSON form of assessments, shared by both CLI paths so their output is identical."""
from __future__ import annotations

import json


def assessments_json(results: list[dict]) -> str:
    """One case gives one object; several give an array, in the order given."""
    payload = results[0] if len(results) == 1 else results
    return json.dumps(payload, indent=2, ensure_ascii=False)
