import datetime

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.site.plan import RemoteObject, new_manifest, plan_sync
from ansible_collections.slipway.aws.plugins.module_utils.site.scan import scan_dist

from .fakes import angular_files, letter, make_dist

NOW = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)


def manifest(tmp_path, rid, files, created=NOW):
    return new_manifest(rid, created.strftime("%Y-%m-%dT%H:%M:%SZ"), scan_dist(make_dist(tmp_path / rid, files)))


def remote_of(*manifests):
    """What the bucket holds after these releases were published in this order."""
    out = {}
    for m in manifests:
        for k, f in m["files"].items():
            out[k] = RemoteObject(f["sha256"], f["content_type"], f["cache_control"])
    return out


def test_unchanged_release_is_nothing_to_do(tmp_path):
    live = manifest(tmp_path, "r1", angular_files())
    again = manifest(tmp_path, "r2", angular_files(), NOW + datetime.timedelta(hours=1))
    plan = plan_sync(again, remote_of(live), [live], "r1", completed={"r1"}, now=NOW)
    assert plan.unchanged
    assert plan.uploads == [] and plan.deletions == [] and plan.invalidate_keys == []


def test_first_release_uploads_everything_in_order(tmp_path):
    m = manifest(tmp_path, "r1", angular_files())
    plan = plan_sync(m, {}, [], None, now=NOW)
    kinds = [u.kind for u in plan.uploads]
    assert kinds == sorted(kinds, key=["hashed", "other", "entry"].index)
    assert plan.uploads[-1].key == "index.html"
    assert not plan.unchanged and plan.invalidate_keys == []  # nothing was cached before


def test_two_chunks_and_index_changed_are_exactly_the_uploads_in_order(tmp_path):
    old = angular_files()
    live = manifest(tmp_path, "r1", old)
    new_files = {k: v for k, v in old.items() if not k.startswith("chunk-")}
    new_files |= {"chunk-CCCC4444.js": "chunk c", "chunk-DDDD5555.js": "chunk d"}
    new_files["index.html"] = old["index.html"].replace("v1", "v1.1")
    new = manifest(tmp_path, "r2", new_files, NOW + datetime.timedelta(hours=1))
    plan = plan_sync(new, remote_of(live), [live], "r1", completed={"r1"}, now=NOW)
    assert [(u.key, u.reason) for u in plan.uploads] == [("chunk-CCCC4444.js", "new"), ("chunk-DDDD5555.js", "new"), ("index.html", "changed")]
    assert plan.invalidate_keys == ["index.html"]
    assert plan.deletions == []  # the old chunks belong to r1, which is kept


def test_index_html_is_the_very_last_upload_after_i18n_shells(tmp_path):
    files = angular_files() | {"fr/index.html": "fr", "de/index.html": "de", "fr/ngsw.json": "{}"}
    plan = plan_sync(manifest(tmp_path, "r1", files), {}, [], None, now=NOW)
    entries = [u.key for u in plan.uploads if u.kind == "entry"]
    assert entries[-3:] == ["de/index.html", "fr/index.html", "index.html"]


def test_a_changed_cache_rule_reuploads_without_content_change(tmp_path):
    live = manifest(tmp_path, "r1", angular_files())
    new = manifest(tmp_path, "r2", angular_files())
    new["files"]["assets/logo.png"]["cache_control"] = "max-age=60"
    plan = plan_sync(new, remote_of(live), [live], "r1", now=NOW)
    assert [(u.key, u.reason) for u in plan.uploads] == [("assets/logo.png", "metadata")]
    assert plan.invalidate_keys == ["assets/logo.png"]


def test_files_uploaded_by_an_interrupted_run_are_not_uploaded_again(tmp_path):
    live = manifest(tmp_path, "r1", angular_files())
    new = manifest(tmp_path, "r2", angular_files("2"))
    # The interrupted run wrote everything, index.html included, but neither manifest nor pointer.
    plan = plan_sync(new, remote_of(live, new), [live], "r1", now=NOW)
    assert plan.uploads == [] and not plan.unchanged
    assert "index.html" in plan.invalidate_keys  # the live release's shell differs: the edge may hold it


def test_reusing_a_release_id_for_another_build_is_refused(tmp_path):
    live = manifest(tmp_path, "r1", angular_files())
    with pytest.raises(PreflightError, match="already exists"):
        plan_sync(manifest(tmp_path, "r1x", angular_files("2")) | {"release_id": "r1"}, remote_of(live), [live], "r0", now=NOW)


def _history(tmp_path, n):
    ms = []
    for i in range(n):
        ms.append(manifest(tmp_path, f"r{i}", angular_files(str(i), chunks=(f"CHNK{letter(str(i))}AAA",)), NOW - datetime.timedelta(days=n - i)))
    return ms


def test_retention_deletes_files_only_the_expired_releases_used(tmp_path):
    ms = _history(tmp_path, 5)
    new = manifest(tmp_path, "r9", angular_files("9", chunks=("CHNKJAAA",)), NOW)
    plan = plan_sync(new, remote_of(*ms), ms, "r4", completed={m["release_id"] for m in ms}, keep_releases=3, now=NOW)
    assert plan.kept_releases == ["r3", "r4", "r9"]
    assert plan.expired_releases == ["r0", "r1", "r2"]
    # main and chunk of r0 and r1 go; r2's main and chunk too (r3 and r4 do not use them); shared files stay.
    assert len(plan.deletions) == 6
    for i in (0, 1, 2):
        assert f"main-MAIN{letter(str(i))}XYZ.js" in plan.deletions and f"chunk-CHNK{letter(str(i))}AAA.js" in plan.deletions
    assert "polyfills-POLY2345.js" not in plan.deletions and "index.html" not in plan.deletions
    assert plan.deleted_releases == ["r0", "r1", "r2"]
    assert plan.deleted_unhashed == []


def test_retention_keeps_young_releases_and_waits_for_invalidations(tmp_path):
    ms = _history(tmp_path, 5)
    new = manifest(tmp_path, "r9", angular_files("9", chunks=("CHNKJAAA",)), NOW)
    young = plan_sync(new, remote_of(*ms), ms, "r4", completed={m["release_id"] for m in ms}, keep_releases=1, keep_days=3.5, now=NOW)
    assert young.expired_releases == ["r0", "r1"]
    # r1's files were retired by r2, whose invalidation has not completed: they wait, and so does r1's manifest.
    waiting = plan_sync(new, remote_of(*ms), ms, "r4", completed={"r0", "r1", "r3", "r4"}, keep_releases=1, keep_days=3.5, now=NOW)
    assert "main-MAINBXYZ.js" in waiting.deferred and "main-MAINBXYZ.js" not in waiting.deletions
    assert "main-MAINAXYZ.js" in waiting.deletions
    assert waiting.deleted_releases == ["r0"]


def test_retention_caps_deletions_per_run(tmp_path):
    ms = _history(tmp_path, 6)
    new = manifest(tmp_path, "r9", angular_files("9", chunks=("CHNKJAAA",)), NOW)
    plan = plan_sync(new, remote_of(*ms), ms, "r5", completed={m["release_id"] for m in ms}, keep_releases=1, max_deletions=3, now=NOW)
    assert len(plan.deletions) == 3 and plan.capped > 0
    assert plan.deleted_releases == ["r0"]  # r0's two files fit; r1 still has one left


def test_retention_deletes_retired_unhashed_files_and_invalidates_them(tmp_path):
    old = angular_files() | {"assets/old.png": "old"}
    ms = [manifest(tmp_path, "r0", old, NOW - datetime.timedelta(days=2)), manifest(tmp_path, "r1", angular_files(), NOW - datetime.timedelta(days=1))]
    new = manifest(tmp_path, "r2", angular_files("2"), NOW)
    plan = plan_sync(new, remote_of(*ms), ms, "r1", completed={"r0", "r1"}, keep_releases=2, now=NOW)
    assert plan.deletions == ["assets/old.png"]
    assert "assets/old.png" in plan.invalidate_keys


def test_nothing_is_written_for_an_unchanged_site_even_with_retention_due(tmp_path):
    ms = _history(tmp_path, 4)
    same = manifest(tmp_path, "r9", angular_files("3", chunks=("CHNKDAAA",)), NOW)
    plan = plan_sync(same, remote_of(*ms), ms, "r3", completed={m["release_id"] for m in ms}, keep_releases=1, now=NOW)
    assert plan.unchanged and plan.deletions == [] and plan.deferred


def test_bad_retention_settings_are_refused(tmp_path):
    m = manifest(tmp_path, "r1", angular_files())
    with pytest.raises(PreflightError, match="keep_releases"):
        plan_sync(m, {}, [], None, keep_releases=0)
