from ansible_collections.slipway.aws.plugins.filter.release import gate_line


def test_gate_line_with_and_without_step():
    assert gate_line({"gate": "metrics", "step": 1, "status": "FAIL", "summary": "5xx rate 50.0% > limit 1.0%"}) == (
        "metrics (step 1): FAIL — 5xx rate 50.0% > limit 1.0%"
    )
    assert gate_line({"gate": "smoke", "step": None, "status": "PASS", "summary": "6 requests"}) == "smoke: PASS — 6 requests"


def test_train_plan_row_keeps_the_plan_and_says_unchanged():
    from ansible_collections.slipway.aws.plugins.filter.release import train_plan_row

    planned = {
        "outcome": "planned",
        "image_tag": "1.4.0",
        "image_digest": "sha256:ab",
        "plan": {"strategy": "canary", "steps": [10, 100], "live_task_definition": "td:3", "colours": {}},
        "msg": "would release",
        "api_calls": {},
    }
    assert train_plan_row(planned) == {
        "outcome": "planned",
        "image_tag": "1.4.0",
        "image_digest": "sha256:ab",
        "strategy": "canary",
        "steps": [10, 100],
        "live_task_definition": "td:3",
        "message": "would release",
    }
    row = train_plan_row({"outcome": "unchanged", "msg": "already live"})
    assert row["outcome"] == "unchanged" and row["steps"] == [] and row["image_tag"] == ""


def test_train_host_note_prefers_the_hosts_own_note_then_a_blocked_wait():
    from ansible_collections.slipway.aws.plugins.filter.release import train_host_note

    failed = {"outcome": "failed", "message": "gate metrics FAIL"}
    blocked = {"skipped": True, "verdict": "blocked", "reason": "dependency user failed"}
    # A failure noted on the host wins over anything its wait returned.
    assert train_host_note({"release_train_host": failed, "release_train_wait": blocked}) == failed
    assert train_host_note({"release_train_wait": blocked}) == {"outcome": "skipped", "message": "dependency user failed"}
    # A wait that let the service start, a wait skipped by its condition, or no wait at all: nothing to note.
    assert train_host_note({"release_train_wait": {"verdict": "ready", "reason": "no dependencies"}}) == {}
    assert train_host_note({"release_train_wait": {"skipped": True, "false_condition": "..."}}) == {}
    assert train_host_note({}) == {}
