# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who is acting: recorded in the ledger and on approvals."""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Mapping


def find_actor(environ: Mapping[str, str] | None = None) -> str:
    """The first of SLIPWAY_ACTOR, GITHUB_ACTOR, USER, LOGNAME, the OS user, git's user.name; else 'unknown'.

    Cron jobs and containers often run without $USER; the OS account and git's
    configured name still say who it is.
    """
    env = os.environ if environ is None else environ
    for name in ("SLIPWAY_ACTOR", "GITHUB_ACTOR", "USER", "LOGNAME"):
        if env.get(name, "").strip():
            return env[name].strip()
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, OSError):
        pass
    try:
        out = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown"
