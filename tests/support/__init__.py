"""One test harness for every suite that needs the emulator and the foundation.

- :mod:`tests.support.processes`: the process tree of a child, and killing it;
- :mod:`tests.support.emulator`: an emulator on ports of its own (outside the
  kernel's ephemeral range) with a private state directory, its environment
  for subprocesses, its call counter;
- :mod:`tests.support.terraform`: ``tf()``/``tf_ok()`` with a timeout, a
  private copy of the code, ``apply_foundation()``;
- :mod:`tests.support.stack`: the integration ``Stack`` (releases, reads of
  the emulated AWS state) and the Slack stand-in;
- :mod:`tests.support.fixtures`: the pytest plugin (``tests/conftest.py``
  registers it) with the one applied foundation a session shares;
- ``python -m tests.support``: the same emulator and copy, from a shell or a
  molecule playbook.

The modules import nothing heavy at import time (no boto3, no pytest), so the
benchmark and the molecule scenario can use them too.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
SERVICES = ("api-gateway", "user", "event", "notification")
