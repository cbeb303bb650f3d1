"""Make the collection importable as ansible_collections.slipway.aws without installing it."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_COLLECTIONS = os.path.join(ROOT, "collections")
_LINK = os.path.join(_COLLECTIONS, "ansible_collections", "slipway", "aws")
if not os.path.exists(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(os.path.relpath(ROOT, os.path.dirname(_LINK)), _LINK)
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

# The harness's shared session fixtures (one emulator, one applied foundation): tests/support/fixtures.py.
pytest_plugins = ["tests.support.fixtures"]
