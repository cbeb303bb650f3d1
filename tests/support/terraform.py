"""Terraform against an emulator: bounded runs, a private copy of the code, the applied foundation."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ROOT, SERVICES
from .processes import descendants, kill_pids

TF = ROOT / "tools" / "tf"
PACKAGER = ROOT / "tools" / "package-lambdas"
LOCAL_AWS = ROOT / "tools" / "local-aws"
LOCAL_ROOT = Path("terraform") / "environments" / "local"
# What the roots read: the modules and roots, the service catalogue, the Lambda sources.
CODE = ("terraform", "inventories", "lambdas")
# What terraform (or a developer's `make demo`) leaves behind locally.
LOCAL_STATE = (".terraform", "terraform.tfstate*", ".terraform.tfstate.lock.info", "*.tfplan", "dist", "__pycache__")


class TerraformError(AssertionError):
    pass


def tf(root: Path, *args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Run tools/tf -chdir=ROOT ARGS; never raises on a non-zero exit.

    Past the timeout terraform and its provider plugins are killed (their own
    process group, and anything below terraform that left it) and the result
    has exit code 124, with what terraform had printed and, for an apply, the
    resources it was still waiting for. An interrupt (Ctrl-C, a test timeout)
    kills them too before it goes on.
    """
    cmd = [str(TF), f"-chdir={root}", *args]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def kill() -> None:
        below = descendants(proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        kill_pids(below)

    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill()
        stdout, stderr = proc.communicate()
        waiting = sorted(
            {m.group(1) for m in re.finditer(r"^(\S+): Still (?:creating|modifying|destroying)", stdout, re.MULTILINE)}
            - set(re.findall(r"^(\S+): (?:Creation|Modifications|Destruction) complete", stdout, re.MULTILINE))
        )
        stderr += f"\ntools/tf {' '.join(args)} timed out after {timeout:.0f} s; still waiting for: {waiting or 'nothing reported'}"
        return subprocess.CompletedProcess(cmd, 124, stdout, stderr)
    except BaseException:
        kill()
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def tf_ok(root: Path, *args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """tf(), raising TerraformError (an AssertionError) with the end of the output on a non-zero exit."""
    proc = tf(root, *args, env=env, timeout=timeout)
    if proc.returncode != 0:
        raise TerraformError(f"terraform {' '.join(args)} in {root} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def copy_code(dest: Path, rev: str | None = None) -> Path:
    """What the roots read into ``dest``, without anything Terraform left behind locally.

    terraform/ and inventories/ (the service catalogue), and lambdas/ when it
    exists, from the working tree or, with ``rev``, as committed at that git
    revision; the function packages are built fresh into the copy by
    tools/package-lambdas (lambdas/dist/ is not in git). The committed
    .terraform.lock.hcl files stay: `init` checks the provider against them.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if rev:
        parts = [p for p in CODE if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{rev}:{p}"], capture_output=True, check=False).returncode == 0]
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, *parts], capture_output=True, check=False)
        if archive.returncode != 0:
            raise RuntimeError(f"git archive {rev} failed: {archive.stderr.decode(errors='replace')[-500:]}")
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    else:
        for part in CODE:
            if (ROOT / part).is_dir():
                shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns(*LOCAL_STATE), dirs_exist_ok=True)
    if (dest / "lambdas").is_dir() and PACKAGER.exists():
        cmd = [sys.executable, str(PACKAGER), "--out", str(dest / "lambdas" / "dist")]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"tools/package-lambdas failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return dest


@dataclass
class Foundation:
    """terraform/environments/local of a private copy (``work``), applied to an emulator."""

    work: Path
    env: dict[str, str]
    outputs: dict[str, Any]
    seconds: float = 0.0  # init + apply + output
    apply_log: str = ""  # what `terraform apply` printed

    @property
    def root(self) -> Path:
        return self.work / LOCAL_ROOT

    @property
    def inventory(self) -> Path:
        """The copied local inventory: its slipway_foundation reads this root's outputs."""
        return self.work / "inventories" / "local"


def outputs(root: Path, env: dict[str, str]) -> dict[str, Any]:
    raw = json.loads(tf_ok(root, "output", "-json", env=env, timeout=120).stdout)
    return {k: v["value"] for k, v in raw.items()}


# The image repositories, applied (and filled) before the ECS services exist, as `make foundation` does.
ECR_TARGET = "module.stack.module.ecr"


def push_images(services: Iterable[str], tag: str, env: dict[str, str]) -> None:
    for name in services:
        proc = subprocess.run([str(LOCAL_AWS), "push-image", name, tag], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"tools/local-aws push-image {name} {tag} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


# Most of the apply is the AWS provider's own waits (the ALB: 30 s before each of its two state checks; each SQS
# queue and queue policy, and each S3 lifecycle configuration: 25-55 s of equal reads). With Terraform's default of
# 10 operations at once, those waits filled every slot and the ALB, the longest chain, started a minute late.
LOCAL_PARALLELISM = 30


def apply_foundation(work: Path, env: dict[str, str], timeout: float = 600, images: Iterable[str] = SERVICES, tag: str = "1.0.0") -> Foundation:
    """init + apply of ``work``/terraform/environments/local (about 90 s on 2 cores), then its outputs.

    With ``images`` (every service by default), the ECR repositories go first
    and get ``tag`` of those services before the ECS services exist, so no
    task starts on an image that is not there (a pile of STOPPED tasks
    otherwise). Past ``timeout`` something waits forever on the emulator, and
    the failure names what.
    """
    started = time.monotonic()
    root = Path(work) / LOCAL_ROOT
    images = tuple(images)
    tf_ok(root, "init", "-input=false", "-no-color", env=env, timeout=300)
    if images:
        tf_ok(root, "apply", "-auto-approve", "-input=false", "-no-color", f"-target={ECR_TARGET}", env=env, timeout=timeout)
        push_images(images, tag, env)
    applied = tf_ok(root, "apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={LOCAL_PARALLELISM}", env=env, timeout=timeout)
    return Foundation(work=Path(work), env=env, outputs=outputs(root, env), seconds=time.monotonic() - started, apply_log=applied.stdout)
