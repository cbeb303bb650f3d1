"""report.stable_json: the same data as json.dumps, outer levels laid out, deeper values on one line each."""

from __future__ import annotations

import json
import random

from ansible_collections.slipway.aws.plugins.module_utils.compliance.report import stable_json


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.choice(["dict", "list", "str", "int", "float", "bool", "none"] if depth < 5 else ["str", "int", "none"])
    if kind == "dict":
        return {rng.choice(["a", "b", "é", "z z", '"q"', "x\n"]) + str(i): random_value(rng, depth + 1) for i in range(rng.randint(0, 4))}
    if kind == "list":
        return [random_value(rng, depth + 1) for i in range(rng.randint(0, 4))]
    return {"str": "tab\t<ü>", "int": rng.randint(-5, 5), "float": rng.random(), "bool": True, "none": None}[kind]


def test_round_trip_and_layout() -> None:
    for seed in range(300):
        value = random_value(random.Random(seed))
        for depth in (1, 2, 4):
            text = stable_json(value, indent=2, depth=depth)
            assert json.loads(text) == value
            assert text == stable_json(json.loads(text), indent=2, depth=depth)  # the same data, the same text


def test_findings_one_per_line() -> None:
    report = {"metadata": {"generated_at": "t"}, "findings": [{"id": i, "data": {"z": [1, 2], "a": "x"}} for i in range(3)]}
    lines = stable_json(report).splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert [ln.strip().rstrip(",") for ln in lines if '"id"' in ln] == [json.dumps({"data": {"a": "x", "z": [1, 2]}, "id": i}) for i in range(3)]
