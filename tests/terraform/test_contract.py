"""The outputs are the contract Ansible reads (docs/contract.md): keep code, roots and page in step.

What Ansible reads is found by scanning the inventories, playbooks, roles,
molecule scenarios and plugins for `slipway_foundation.X` / `slipway_foundation['X']`,
and the release code for the keys it takes from the foundation dict.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .conftest import ROOT, Applied, contract_outputs, declared, nullable_outputs, tf_ok

ENVIRONMENTS = ROOT / "terraform" / "environments"
RELEASE_RUNNER = ROOT / "plugins" / "module_utils" / "release_runner.py"
SCANNED = ("inventories", "playbooks", "roles", "molecule", "plugins")
SUFFIXES = {".yml", ".yaml", ".py", ".j2", ".json"}

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# slipway_foundation.X, slipway_foundation['X'], slipway_foundation["X"], then
# optionally .services.SVC.KEY / ['services'][SVC][KEY] for a per-service key.
_ACCESS = rf"""(?:\.({_IDENT})|\[\s*['"]([^'"]+)['"]\s*\])"""
_ANY_SEGMENT = rf"""(?:\.{_IDENT}|\[[^\]]+\])"""
FOUNDATION_RE = re.compile(rf"slipway_foundation{_ACCESS}")
SERVICE_RE = re.compile(rf"slipway_foundation(?:\.services|\[\s*['\"]services['\"]\s*\]){_ANY_SEGMENT}{_ACCESS}")


def _files() -> list[Path]:
    files = []
    for part in SCANNED:
        base = ROOT / part
        if base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts]
    return sorted(files)


def _tuple_constant(tree: ast.Module, name: str) -> set[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{RELEASE_RUNNER.relative_to(ROOT)} no longer defines {name}; update this test")


def used_outputs() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Top-level output names and per-service keys that the code reads, each with where it is read."""
    top: dict[str, set[str]] = {}
    per_service: dict[str, set[str]] = {}
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        where = str(path.relative_to(ROOT))
        for m in FOUNDATION_RE.finditer(text):
            top.setdefault(m.group(1) or m.group(2), set()).add(where)
        for m in SERVICE_RE.finditer(text):
            per_service.setdefault(m.group(1) or m.group(2), set()).add(where)

    source = RELEASE_RUNNER.read_text(encoding="utf-8")
    where = str(RELEASE_RUNNER.relative_to(ROOT))
    tree = ast.parse(source)
    for key in _tuple_constant(tree, "_FOUNDATION_KEYS"):
        top.setdefault(key, set()).add(f"{where} _FOUNDATION_KEYS")
    for key in _tuple_constant(tree, "_SERVICE_KEYS"):
        per_service.setdefault(key, set()).add(f"{where} _SERVICE_KEYS")
    for key in re.findall(r"""\bfoundation(?:\.get\(\s*|\[\s*)['"](\w+)['"]""", source):
        top.setdefault(key, set()).add(f"{where} foundation[...]")
    for key in re.findall(r"""\bout(?:\.get\(\s*|\[\s*)['"](\w+)['"]""", source):
        per_service.setdefault(key, set()).add(f"{where} out[...]")
    return top, per_service


def env_roots() -> list[Path]:
    return sorted(d for d in ENVIRONMENTS.iterdir() if d.is_dir() and any(d.glob("*.tf")))


def test_the_scan_finds_what_the_release_reads() -> None:
    """Guard the scan itself: if it found nothing, every other check here would pass vacuously."""
    top, per_service = used_outputs()
    assert {"cluster_name", "alb_arn", "deployment_table_name", "services", "test_listener_port"} <= set(top)
    assert {"blue_service_name", "prod_rule_arn", "alarm_names"} <= set(per_service)


def test_every_output_ansible_reads_is_declared_by_local() -> None:
    top, _ = used_outputs()
    outputs = declared(ENVIRONMENTS / "local", "output")
    missing = {name: sorted(where) for name, where in top.items() if name not in outputs}
    assert not missing, f"read by Ansible but not an output of terraform/environments/local: {missing}"


def test_every_root_output_is_used_or_documented() -> None:
    top, _ = used_outputs()
    documented, _ = contract_outputs()
    for root in env_roots():
        orphans = sorted(set(declared(root, "output")) - set(top) - documented)
        assert not orphans, (
            f"{root.relative_to(ROOT)} has outputs nothing reads and docs/contract.md does not list: {orphans}. "
            "Fix: document them under 'Terraform outputs' in docs/contract.md, or drop them"
        )


def test_contract_page_lists_only_what_local_declares() -> None:
    documented, _ = contract_outputs()
    missing = sorted(documented - set(declared(ENVIRONMENTS / "local", "output")))
    assert not missing, f"docs/contract.md lists outputs terraform/environments/local does not declare: {missing}"


@pytest.fixture(scope="module")
def validated_roots(work, tf_env) -> dict[str, set[str]]:
    """Every environment root of the private copy validated (init -backend=false), with its output names."""
    names = {}
    for root in sorted(d for d in (work / "terraform" / "environments").iterdir() if d.is_dir() and any(d.glob("*.tf"))):
        env = {**tf_env, "TF_DATA_DIR": str(root / ".terraform-validate")}
        tf_ok(root, "init", "-backend=false", "-input=false", "-no-color", env=env)
        tf_ok(root, "validate", "-no-color", env=env)
        names[root.name] = set(declared(root, "output"))
    return names


def test_all_roots_expose_the_same_outputs_as_local(validated_roots: dict[str, set[str]]) -> None:
    assert "local" in validated_roots and len(validated_roots) >= 2, validated_roots.keys()
    local = validated_roots["local"]
    for name, outputs in validated_roots.items():
        assert outputs == local, f"terraform/environments/{name} outputs differ from local: missing {sorted(local - outputs)}, extra {sorted(outputs - local)}"


def test_applied_outputs_have_the_contract(applied_local: Applied) -> None:
    documented, service_keys = contract_outputs()
    _, used_service_keys = used_outputs()
    outputs = applied_local.outputs
    missing = sorted(documented - set(outputs) - nullable_outputs())
    assert not missing, f"`terraform output -json` of local lacks outputs docs/contract.md lists: {missing}"
    assert outputs["services"], "the services output is empty"
    for svc, entry in outputs["services"].items():
        lacking = sorted((service_keys | set(used_service_keys)) - set(entry))
        assert not lacking, f"services[{svc!r}] lacks keys the contract lists or the release reads: {lacking}"
        assert set(entry["alarm_names"]) == {"blue", "green"}, entry["alarm_names"]
