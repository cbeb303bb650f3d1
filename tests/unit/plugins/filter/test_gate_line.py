from ansible_collections.slipway.aws.plugins.filter.release import gate_line


def test_gate_line_with_and_without_step():
    assert gate_line({"gate": "metrics", "step": 1, "status": "FAIL", "summary": "5xx rate 50.0% > limit 1.0%"}) == (
        "metrics (step 1): FAIL — 5xx rate 50.0% > limit 1.0%"
    )
    assert gate_line({"gate": "smoke", "step": None, "status": "PASS", "summary": "6 requests"}) == "smoke: PASS — 6 requests"
