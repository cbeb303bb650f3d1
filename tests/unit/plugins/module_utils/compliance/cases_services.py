"""Unit cases of controls_services.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any

CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {}
