"""Fixtures: the fake AWS model of one service, on the shared deployment table (../conftest.py)."""

import pytest

from .fakes import FakeAws, make_config


@pytest.fixture
def table(aws):
    """The deployment table on in-process moto (the ``aws`` fixture of module_utils/conftest.py)."""
    return aws


@pytest.fixture
def fake(table):
    """blue live on 1.0.0 (2 tasks), green idle at 0 on the same revision."""
    return FakeAws(make_config(), table)
