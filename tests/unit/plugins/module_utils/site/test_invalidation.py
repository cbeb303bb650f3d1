import itertools
import random

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.site.invalidation import covers, key_paths, plan_invalidation

DIRS = ["", "assets/", "assets/i18n/", "assets/img/", "fr/", "de/", "media/", "a/b/c/"]
NAMES = ["index.html", "ngsw.json", "logo.png", "en.json", "x y.txt", "main-ABCDEFGH.js", "chunk-QWERTY23.js", "robots.txt", ""]


def random_case(rng: random.Random):
    universe = sorted({"/" + d + n for d in DIRS for n in NAMES})
    changed = rng.sample(universe, rng.randint(0, min(len(universe), 40)))
    rest = [p for p in universe if p not in changed]
    protected = rng.sample(rest, rng.randint(0, len(rest) // 2))
    return changed, protected


def test_2000_random_path_sets():
    rng = random.Random(20261130)
    for _case in range(2000):
        changed, protected = random_case(rng)
        used = rng.choice([0, 500, 998, 1000, 5000])
        in_progress_wildcards = rng.choice([0, 0, 14, 15])
        in_progress_paths = rng.choice([0, 0, 2990, 3000])
        allow = rng.random() < 0.9
        plan = plan_invalidation(
            changed,
            protected=protected,
            month_paths_used=used,
            in_progress_paths=in_progress_paths,
            in_progress_wildcards=in_progress_wildcards,
            allow_wildcards=allow,
        )
        budget = max(0, 15 - in_progress_wildcards) if allow else 0
        if not plan.feasible:
            assert budget == 0 and len(set(changed)) > 3000 - in_progress_paths
            continue
        # every changed path is covered
        for p in changed:
            assert any(covers(q, p) for q in plan.paths), (p, plan.paths)
        # never more billed paths than listing them, within the limits
        assert plan.billed_paths <= len(set(changed))
        assert plan.wildcards <= budget
        assert plan.billed_paths - plan.wildcards <= 3000 - in_progress_paths
        # no wildcard over a protected (hashed) file unless the limits forced it
        if not plan.protected_covered:
            assert not any(covers(q, p) for q in plan.paths if q.endswith("*") for p in protected)
        # cost: beyond the free allowance, $0.005 a path
        assert plan.paid_paths == max(0, plan.billed_paths - max(0, 1000 - used))
        assert plan.estimated_cost_usd == pytest.approx(plan.paid_paths * 0.005)


def _brute_force(changed, protected, budget):
    """The fewest paths by trying every set of at most ``budget`` folder wildcards."""
    folders = sorted({p[: i + 1] for p in changed for i, c in enumerate(p) if c == "/"})
    allowed = [f for f in folders if not any(q.startswith(f) for q in protected)]
    best = len(changed)
    for k in range(1, budget + 1):
        for combo in itertools.combinations(allowed, k):
            rest = [p for p in changed if not any(p.startswith(f) for f in combo)]
            best = min(best, len(rest) + k)
    return best


def test_optimal_against_brute_force_on_small_sets():
    rng = random.Random(7)
    for _case in range(300):
        changed, protected = random_case(rng)
        changed = changed[:8]
        budget = rng.choice([0, 1, 2, 3])
        plan = plan_invalidation(changed, protected=protected, max_wildcards=budget)
        assert plan.billed_paths == _brute_force(sorted(set(changed)), protected, budget)


def test_app_shell_change_lists_its_paths_rather_than_evicting_hashed_files():
    plan = plan_invalidation(key_paths(["index.html", "ngsw.json"]), protected=key_paths(["main-ABCDEFGH.js"]))
    assert plan.paths == ["/", "/index.html", "/ngsw.json"]
    assert plan.wildcards == 0


def test_a_folder_collapses_when_fewer_paths_and_everything_when_nothing_is_protected():
    keys = ["assets/i18n/en.json", "assets/i18n/fr.json", "assets/i18n/de.json", "index.html"]
    plan = plan_invalidation(key_paths(keys), protected=key_paths(["main-ABCDEFGH.js"]))
    assert plan.paths == ["/", "/assets/i18n/*", "/index.html"]  # the deepest folder holding them all
    assert plan.collapsed == {"/assets/i18n/*": 3}
    assert plan_invalidation(key_paths(keys)).paths == ["/*"]


def test_cost_against_the_free_allowance():
    paths = [f"/p{i}.txt" for i in range(10)]
    assert plan_invalidation(paths, month_paths_used=0, allow_wildcards=False).estimated_cost_usd == 0
    plan = plan_invalidation(paths, month_paths_used=996, allow_wildcards=False)
    assert (plan.free_paths_left, plan.paid_paths, plan.estimated_cost_usd) == (4, 6, 0.03)


def test_in_progress_limits():
    paths = [f"/p{i}.txt" for i in range(20)]
    assert plan_invalidation(paths, protected=["/main-ABCDEFGH.js"], in_progress_paths=2990).paths == ["/*"]  # the limits leave no other way
    assert plan_invalidation(paths, protected=["/main-ABCDEFGH.js"], in_progress_paths=2990).protected_covered
    plan = plan_invalidation(paths, in_progress_paths=2990, in_progress_wildcards=15)
    assert not plan.feasible and "in progress" in plan.reason


def test_key_paths_encode_and_add_folder_paths():
    assert key_paths(["fr/index.html", "a b.txt", "x/ü.png"]) == ["/a%20b.txt", "/fr/", "/fr/index.html", "/x/%C3%BC.png"]


def test_wildcards_in_the_input_are_refused():
    with pytest.raises(ValueError, match="planner decides"):
        plan_invalidation(["/assets/*"])
