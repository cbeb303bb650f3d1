"""Terraform checks against a private emulator and a private copy of the code.

Nothing here touches a developer's state: the emulator and the applied
foundation are the session's (tests/support/fixtures.py: ports outside the
ephemeral range, a private state directory, a copy of terraform/,
inventories/ and lambdas/ in a temporary directory without .terraform/ or
state files, one plugin cache so the provider is unpacked once). Run in one
session with tests/integration (`make test`), both use the same applied
foundation, and these tests run first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.support import ROOT
from tests.support.emulator import Emulator
from tests.support.terraform import Foundation, copy_code, tf, tf_ok

__all__ = ["ROOT", "Applied", "contract_outputs", "copy_code", "declared", "hcl_string", "nullable_outputs", "tf", "tf_ok"]


def declared(root: Path, kind: str) -> dict[str, dict[str, Any]]:
    """The variable or output blocks declared in ROOT/<kind>s.tf and <kind>s_*.tf, by name."""
    blocks: dict[str, dict[str, Any]] = {}
    for path in sorted(root.glob(f"{kind}s.tf")) + sorted(root.glob(f"{kind}s_*.tf")):
        with path.open(encoding="utf-8") as fh:
            for block in hcl2.load(fh).get(kind, []):
                for name, body in block.items():
                    blocks[name.strip('"')] = body
    return blocks


def hcl_string(text: str) -> str:
    """An HCL string literal as python-hcl2 returns it -> its value."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return json.loads(text)
        except ValueError:
            return text[1:-1]
    return text


def contract_outputs() -> tuple[set[str], set[str]]:
    """Output names and per-service keys listed under 'Terraform outputs' in docs/contract.md."""
    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    match = re.search(r"^## Terraform outputs.*?$(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "docs/contract.md has no '## Terraform outputs' section"
    top: set[str] = set()
    nested: set[str] = set()
    for line in match.group(1).splitlines():
        names = {n for n in re.findall(r"`([^`]+)`", line) if re.fullmatch(r"[a-z_][a-z0-9_]*", n)}
        if line.startswith("- "):
            top |= names
        elif re.match(r"\s+- ", line):
            nested |= names
    return top, nested


def nullable_outputs() -> set[str]:
    """Outputs docs/contract.md says may be null (a switched-off tier): `output -json` omits null outputs."""
    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("- ") and "null" in line:
            names |= {n for n in re.findall(r"`([^`]+)`", line) if re.fullmatch(r"[a-z_][a-z0-9_]*", n)}
    return names


@pytest.fixture(scope="session")
def tf_env(slipway_emulator: Emulator) -> dict[str, str]:
    """The environment of every terraform run here: the session's emulator, no prompts, the shared plugin cache."""
    return slipway_emulator.env


@pytest.fixture(scope="session")
def emulator(slipway_emulator: Emulator) -> str:
    """The session's emulator (tests/support/fixtures.py), by its endpoint."""
    return slipway_emulator.endpoint


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    """A private copy of the code; roots under it are initialised with their own .terraform/."""
    return copy_code(tmp_path_factory.mktemp("work"))


@dataclass
class Applied:
    root: Path
    env: dict[str, str]
    outputs: dict[str, Any]


@pytest.fixture(scope="session")
def applied_local(foundation: Foundation) -> Applied:
    """terraform/environments/local applied to the session's emulator (about 80 s, once for the session)."""
    return Applied(root=foundation.root, env=foundation.env, outputs=foundation.outputs)
