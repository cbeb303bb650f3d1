"""The compliance world's resources for the later FSBP controls of RDS (clusters, snapshots, event subscriptions, more instance checks)
(plugins/module_utils/compliance/controls_rds.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
"""

from __future__ import annotations

from typing import Any


def seed(w: Any) -> None:
    """Nothing yet."""
