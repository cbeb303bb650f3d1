"""The planner on two real Angular builds (tests/fixtures/angular): the uploads are exactly what CHANGES.txt says changed."""

import pathlib

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.site.invalidation import key_paths, plan_invalidation
from ansible_collections.slipway.aws.plugins.module_utils.site.plan import RemoteObject, new_manifest, plan_sync
from ansible_collections.slipway.aws.plugins.module_utils.site.scan import scan_dist

FIXTURES = pathlib.Path(__file__).resolve().parents[4] / "fixtures" / "angular"

pytestmark = pytest.mark.skipif(not (FIXTURES / "v1" / "index.html").is_file(), reason="the Angular fixtures are not built (tools/build-angular-fixtures)")


def _changes() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (FIXTURES / "CHANGES.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            status, path = line.split(" ", 1)
            out.setdefault(status, []).append(path)
    return out


def test_v1_to_v2_uploads_what_changed_shell_last_and_invalidates_only_the_shell():
    v1, v2 = scan_dist(str(FIXTURES / "v1")), scan_dist(str(FIXTURES / "v2"))
    assert all(f.hashed for k, f in v1.files.items() if k.startswith(("main-", "chunk-", "polyfills-", "styles-")))
    live = new_manifest("v1", "2026-11-30T09:00:00Z", v1)
    remote = {k: RemoteObject(f["sha256"], f["content_type"], f["cache_control"]) for k, f in live["files"].items()}
    plan = plan_sync(new_manifest("v2", "2026-11-30T10:00:00Z", v2), remote, [live], "v1", completed={"v1"})
    changes = _changes()
    assert sorted(u.key for u in plan.uploads) == sorted(changes.get("added", []) + changes.get("changed", []))
    assert plan.uploads[-1].key == "index.html"
    assert [u.kind for u in plan.uploads] == sorted((u.kind for u in plan.uploads), key=["hashed", "other", "entry"].index)
    unhashed_changed = sorted(k for k in changes.get("changed", []) if not v2.files[k].hashed)
    assert plan.invalidate_keys == unhashed_changed
    inv = plan_invalidation(key_paths(plan.invalidate_keys), protected=key_paths(k for k, f in v2.files.items() if f.hashed))
    assert "/*" not in inv.paths and "/index.html" in inv.paths and "/" in inv.paths
