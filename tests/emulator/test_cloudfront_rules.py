"""The CloudFront edge's rules on their own (no server): TTLs, path patterns,
invalidation paths, the response-headers policy, the edge port settings."""

from __future__ import annotations

import email.utils
import time

import pytest
from local_aws.config import Settings
from local_aws.edge import apply_headers_policy, edge_ttl, invalidation_matches, pattern_matches

MIN, DEFAULT, MAX = 0, 86400, 31536000


@pytest.mark.parametrize(
    ("headers", "ttls", "expected"),
    [
        ({}, (MIN, DEFAULT, MAX), DEFAULT),  # nothing from the origin: the default TTL
        ({"cache-control": "max-age=600"}, (MIN, DEFAULT, MAX), 600),
        ({"cache-control": "max-age=600"}, (900, DEFAULT, MAX), 900),  # below the minimum: the minimum
        ({"cache-control": "max-age=600"}, (0, 60, 300), 300),  # above the maximum: the maximum
        ({"cache-control": "public, max-age=600, s-maxage=30"}, (MIN, DEFAULT, MAX), 30),  # s-maxage is for shared caches
        ({"cache-control": "no-cache"}, (0, 0, MAX), 0),
        ({"cache-control": "no-store"}, (0, DEFAULT, MAX), 0),
        ({"cache-control": "private, max-age=60"}, (0, DEFAULT, MAX), 0),
        ({"cache-control": "no-cache"}, (86400, MAX, MAX), 86400),  # a minimum TTL > 0 wins over no-cache
        ({"cache-control": "max-age=oops"}, (0, 77, MAX), 77),
        ({"expires": "not a date"}, (0, DEFAULT, MAX), 0),
    ],
)
def test_edge_ttl(headers: dict[str, str], ttls: tuple[int, int, int], expected: int) -> None:
    assert edge_ttl(headers, *ttls) == expected


def test_edge_ttl_from_expires() -> None:
    now = time.time()
    expires = email.utils.formatdate(now + 120, usegmt=True)
    assert 118 <= edge_ttl({"expires": expires}, 0, DEFAULT, MAX, now=now) <= 120
    # max-age wins over Expires
    assert edge_ttl({"expires": expires, "cache-control": "max-age=5"}, 0, DEFAULT, MAX, now=now) == 5


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.js", "/main.abc.js", True),
        ("*.js", "/deep/dir/x.js", True),
        ("/assets/*", "/assets/img/logo.svg", True),
        ("assets/*", "/assets/logo.svg", True),  # relative to the root
        ("/assets/*", "/Assets/logo.svg", False),  # case-sensitive
        ("/index.html", "/index.html", True),
        ("/index.html", "/index.htm", False),
        ("/img/??.png", "/img/ab.png", True),
        ("/img/??.png", "/img/abc.png", False),
    ],
)
def test_path_patterns(pattern: str, path: str, matches: bool) -> None:
    assert pattern_matches(pattern, path) is matches


@pytest.mark.parametrize(
    ("inval", "cached", "purged"),
    [
        ("/index.html", "/index.html", True),
        ("/index.html", "/index.html?v=2", False),  # query strings in the key need their own path or a *
        ("/index.html*", "/index.html?v=2", True),
        ("/*", "/anything/at/all.js", True),
        ("/assets/*", "/assets/a.png", True),
        ("/assets/*", "/other/a.png", False),
        ("/Index.html", "/index.html", False),
    ],
)
def test_invalidation_paths(inval: str, cached: str, purged: bool) -> None:
    assert invalidation_matches(inval, cached) is purged


def test_headers_policy_override_and_add() -> None:
    policy = {
        "SecurityHeadersConfig": {
            "FrameOptions": {"Override": False, "FrameOption": "DENY"},
            "StrictTransportSecurity": {"Override": True, "AccessControlMaxAgeSec": 31536000, "IncludeSubdomains": False, "Preload": False},
            "XSSProtection": {"Override": True, "Protection": True, "ModeBlock": False, "ReportUri": "https://r.example/x"},
        },
        "CustomHeadersConfig": {"Quantity": 1, "Items": [{"Header": "Cache-Control", "Value": "no-cache", "Override": False}]},
        "RemoveHeadersConfig": {"Quantity": 1, "Items": [{"Header": "Server"}]},
    }
    origin = {"x-frame-options": "SAMEORIGIN", "strict-transport-security": "max-age=1", "server": "AmazonS3"}
    out = apply_headers_policy(policy, origin)
    assert out["x-frame-options"] == "SAMEORIGIN", "Override false keeps the origin's header"
    assert out["strict-transport-security"] == "max-age=31536000"
    assert out["x-xss-protection"] == "1; report=https://r.example/x"
    assert out["cache-control"] == "no-cache", "a missing header is added even without Override"
    assert "server" not in out


def test_edge_ports_stay_outside_the_ephemeral_range(monkeypatch: pytest.MonkeyPatch) -> None:
    for base in ("10000", "12000", "13000", "20000"):
        monkeypatch.setenv("SLIPWAY_LISTENER_PORT_BASE", base)
        monkeypatch.delenv("SLIPWAY_EDGE_PORT_BASE", raising=False)
        settings = Settings.from_env()
        assert settings.edge_port_base == int(base) + 8000
        assert not [w for w in settings.port_problems()[1] if "CloudFront" in w]
    monkeypatch.setenv("SLIPWAY_EDGE_PORT_BASE", "40000")
    warnings = Settings.from_env().port_problems()[1]
    assert any("CloudFront edges are served on ports 40000-40009" in w and "ephemeral port range" in w for w in warnings)
