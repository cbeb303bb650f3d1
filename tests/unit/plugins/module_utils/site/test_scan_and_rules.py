import os

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.site import rules
from ansible_collections.slipway.aws.plugins.module_utils.site.scan import content_type, is_entry, is_hashed, scan_dist, with_marker

from .fakes import angular_files, make_dist, sha


def test_scan_describes_an_angular_build(tmp_path):
    scan = scan_dist(make_dist(tmp_path, angular_files()))
    f = scan.files
    assert f["index.html"].entry and not f["index.html"].hashed
    assert f["index.html"].content_type == "text/html; charset=utf-8"
    assert f["index.html"].sha256 == sha(angular_files()["index.html"])
    assert f["chunk-AAAA2222.js"].hashed and f["chunk-AAAA2222.js"].content_type == "application/javascript"
    assert f["styles-STYL2345.css"].hashed
    assert f["manifest.webmanifest"].entry and f["manifest.webmanifest"].content_type == "application/manifest+json"
    assert f["ngsw.json"].entry and f["ngsw-worker.js"].entry
    assert not f["assets/logo.png"].hashed and not f["assets/logo.png"].entry
    assert list(f) == sorted(f)


@pytest.mark.parametrize(
    ("key", "hashed"),
    [
        ("main-2YXE5NOA.js", True),
        ("chunk-ABCDEFGH.js", True),
        ("main-2YXE5NOA.js.map", True),
        ("main.3f2a9c1d8e7b6a50.js", True),
        ("media/roboto-KFOMCNQE.woff2", True),
        ("styles.css", False),
        ("main-abc.js", False),
        ("assets/img/banner-ABCDEFGH.png", False),
        ("3rdpartylicenses.txt", False),
        ("index.html", False),
    ],
)
def test_hashed_names(key, hashed):
    assert is_hashed(key) is hashed


def test_i18n_entries_and_types():
    assert is_entry("fr/index.html") and is_entry("index.html") and not is_entry("assets/index.html")
    assert content_type("a/b.WOFF2") == "font/woff2"
    assert content_type("x.unknown") == "application/octet-stream"
    assert content_type("main.js.map") == "application/json"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: str(p / "nope"), "does not exist"),
        (str, "is empty"),
        (lambda p: make_dist(p, {"main-ABCDEFGH.js": "x"}), "no index.html"),
        (lambda p: make_dist(p, {"browser/index.html": "x"}), "try -e dist="),
        (lambda p: make_dist(p, {"index.html": "x", "_slipway/x.json": "{}"}), "keeps for release manifests"),
        (lambda p: make_dist(p / "f", {"index.html": "x"}) + "/index.html", "not a directory"),
        (lambda p: "", "no dist directory given"),
    ],
)
def test_scan_refuses_bad_input_and_names_the_fix(tmp_path, setup, message):
    with pytest.raises(PreflightError, match=message) as exc:
        scan_dist(setup(tmp_path))
    assert "Fix:" in str(exc.value)


def test_scan_refuses_symlinks_and_escapes(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    dist = make_dist(tmp_path / "dist", {"index.html": "x"})
    os.symlink(outside, os.path.join(dist, "leak.txt"))
    with pytest.raises(PreflightError, match=r"symlink: leak\.txt"):
        scan_dist(dist)
    os.remove(os.path.join(dist, "leak.txt"))
    os.symlink(tmp_path, os.path.join(dist, "up"))
    with pytest.raises(PreflightError, match="symlink: up"):
        scan_dist(dist)


def test_marker_is_stable_for_the_same_build(tmp_path):
    a = with_marker(scan_dist(make_dist(tmp_path / "a", angular_files())))
    b = with_marker(scan_dist(make_dist(tmp_path / "b", angular_files())))
    assert a.files["index.html"].sha256 == b.files["index.html"].sha256
    assert b'<meta name="slipway-site" content="' in a.files["index.html"].read()
    c = with_marker(scan_dist(make_dist(tmp_path / "c", angular_files("2"))))
    assert c.files["index.html"].sha256 != a.files["index.html"].sha256


def test_cache_control_by_kind_and_rules():
    assert rules.cache_control("main-ABCDEFGH.js", True, False) == rules.HASHED == "public, max-age=31536000, immutable"
    assert rules.cache_control("index.html", False, True) == "no-cache"
    assert rules.cache_control("assets/logo.png", False, False) == "public, max-age=300"
    custom = rules.parse_rules([{"pattern": "/assets/i18n/*", "cache_control": "no-cache"}, {"pattern": "assets/*", "cache_control": "max-age=60"}])
    assert rules.cache_control("assets/i18n/fr.json", False, False, custom) == "no-cache"  # first match wins
    assert rules.cache_control("assets/deep/logo.png", False, False, custom) == "max-age=60"
    assert rules.cache_control("favicon.ico", False, False, custom, default="max-age=5") == "max-age=5"


@pytest.mark.parametrize("bad", [[{"pattern": "x"}], ["x"], [{"pattern": "", "cache_control": "no-cache"}], [{"pattern": "a", "cache_control": "b", "c": 1}]])
def test_bad_rules_are_named(bad):
    with pytest.raises(PreflightError, match=r"cache_rules\[0\]"):
        rules.parse_rules(bad)
