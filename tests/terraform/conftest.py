"""Terraform checks against a private emulator and a private copy of the code.

Nothing here touches a developer's state: the emulator runs on its own ports
with its own state directory, and Terraform runs on a copy of terraform/ and
inventories/ in a temporary directory (no .terraform/, no state files), with
one plugin cache for the whole session so the provider is unpacked once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
TF = str(ROOT / "tools" / "tf")
LOCAL_AWS = str(ROOT / "tools" / "local-aws")
BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
PORT = int(os.environ.get("SLIPWAY_TF_EMULATOR_PORT", "4680"))
LISTENER_BASE = int(os.environ.get("SLIPWAY_TF_LISTENER_BASE", "37000"))


def tf(root: Path, *args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Run tools/tf -chdir=ROOT ARGS; never raises on a non-zero exit.

    Past the timeout terraform and its provider plugins are killed (their own
    process group) and the result has exit code 124, with what terraform had
    printed and, for an apply, the resources it was still waiting for.
    """
    cmd = [TF, f"-chdir={root}", *args]
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            waiting = sorted(
                {m.group(1) for m in re.finditer(r"^(\S+): Still (?:creating|modifying|destroying)", stdout, re.MULTILINE)}
                - set(re.findall(r"^(\S+): (?:Creation|Modifications|Destruction) complete", stdout, re.MULTILINE))
            )
            stderr += f"\ntools/tf {' '.join(args)} timed out after {timeout:.0f} s; still waiting for: {waiting or 'nothing reported'}"
            return subprocess.CompletedProcess(cmd, 124, stdout, stderr)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def tf_ok(root: Path, *args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    proc = tf(root, *args, env=env, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"terraform {' '.join(args)} in {root} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


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
def tf_env(tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("tfenv")
    cache = tmp / "plugin-cache"
    cache.mkdir()
    env = dict(os.environ)
    env.update(
        SLIPWAY_EMULATOR_PORT=str(PORT),
        SLIPWAY_LISTENER_PORT_BASE=str(LISTENER_BASE),
        SLIPWAY_EMULATOR_STATE_DIR=str(tmp / "emulator"),
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{PORT}",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        TF_PLUGIN_CACHE_DIR=str(cache),
        PATH=f"{BIN}:{os.environ.get('PATH', '')}",
    )
    for name in ("AWS_PROFILE", "TF_DATA_DIR", "TF_WORKSPACE", "TF_CLI_ARGS", "TF_CLI_ARGS_plan", "TF_CLI_ARGS_apply"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="session")
def emulator(tf_env):
    """The Slipway emulator on its own port and state directory, stopped at the end."""
    up = subprocess.run([LOCAL_AWS, "up"], env=tf_env, capture_output=True, text=True, timeout=120, check=False)
    if up.returncode != 0:
        raise RuntimeError(f"tools/local-aws up failed on port {PORT}:\n{up.stdout}\n{up.stderr}")
    try:
        yield tf_env["AWS_ENDPOINT_URL"]
    finally:
        subprocess.run([LOCAL_AWS, "down"], env=tf_env, capture_output=True, text=True, timeout=60, check=False)


def copy_code(dest: Path) -> Path:
    """What the roots read, without anything Terraform left behind locally.

    terraform/ and inventories/ (the service catalogue), and lambdas/ when it
    exists, with the function packages built fresh into the copy by
    tools/package-lambdas (lambdas/dist/ is not in git).
    """
    for part in ("terraform", "inventories", "lambdas"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns(".terraform", "terraform.tfstate*", "*.tfplan", "dist", "__pycache__"))
    packager = ROOT / "tools" / "package-lambdas"
    if (ROOT / "lambdas").is_dir() and packager.exists():
        subprocess.run([str(packager), "--out", str(dest / "lambdas" / "dist")], capture_output=True, text=True, timeout=120, check=True)
    return dest


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
def applied_local(work, tf_env, emulator) -> Applied:
    """terraform/environments/local applied to the private emulator (about 80 s)."""
    root = work / "terraform" / "environments" / "local"
    tf_ok(root, "init", "-input=false", "-no-color", env=tf_env)
    # About 80 s for the original six modules; past 10 minutes something waits forever on the
    # emulator, and the failure names what.
    tf_ok(root, "apply", "-auto-approve", "-input=false", "-no-color", env=tf_env, timeout=600)
    raw = json.loads(tf_ok(root, "output", "-json", env=tf_env).stdout)
    return Applied(root=root, env=tf_env, outputs={k: v["value"] for k, v in raw.items()})
