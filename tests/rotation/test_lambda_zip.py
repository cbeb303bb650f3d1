"""The pg_rotation deployment zip (tools/package-lambdas): reproducible, self-contained, and it rotates.

The zip is unpacked and its handler runs in a separate interpreter (``python -I``: no repository on
its path) with the zip's directory first, as Lambda puts the function's directory first: the core
and pg8000 come from the zip, boto3 from the environment (the runtime provides it)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from .conftest import alternating_app

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "plugins" / "module_utils" / "secrets" / "pg_rotation.py"

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zips")
    subprocess.run([sys.executable, str(REPO / "tools" / "package-lambdas"), "--out", str(out), "pg_rotation"], check=True, capture_output=True, timeout=120)
    return out / "pg_rotation.zip"


def test_zip_is_reproducible_and_holds_core_and_driver(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    subprocess.run([sys.executable, str(REPO / "tools" / "package-lambdas"), "--out", str(again), "pg_rotation"], check=True, capture_output=True, timeout=120)
    assert (again / "pg_rotation.zip").read_bytes() == built.read_bytes()
    with zipfile.ZipFile(built) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert zf.read("pg_rotation_core.py") == CORE.read_bytes()
        assert {"handler.py", "pg8000/native.py", "scramp/core.py", "asn1crypto/__init__.py", "dateutil/parser/__init__.py", "six.py"} <= set(names)
        assert not [n for n in names if n.endswith((".pyc", "RECORD", "INSTALLER", "direct_url.json")) or "__pycache__" in n]
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_zip_rotates_a_secret(built: Path, tmp_path: Path, pg, sm, emulator, leak_guard) -> None:
    unpacked = tmp_path / "function"
    with zipfile.ZipFile(built) as zf:
        zf.extractall(unpacked)
    app = alternating_app(pg, sm, leak_guard)
    token = str(uuid.uuid4())
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(unpacked)!r})\n"
        "import handler, pg8000\n"
        f"assert handler.core.__file__.startswith({str(unpacked)!r}), handler.core.__file__\n"
        f"assert pg8000.__file__.startswith({str(unpacked)!r}), pg8000.__file__\n"
        "for step in ('createSecret', 'setSecret', 'testSecret', 'finishSecret'):\n"
        f"    print(json.dumps(handler.handler({{'Step': step, 'SecretId': {app.secret_id!r}, 'ClientRequestToken': {token!r}}}, None)))\n"
    )
    env = {**emulator.env, "GRANTS": json.dumps(app.grants), "LOG_LEVEL": "INFO"}
    proc = subprocess.run([sys.executable, "-I", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False)
    leak_guard.note(proc.stdout)
    leak_guard.note(proc.stderr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [json.loads(line)["step"] for line in proc.stdout.splitlines()] == ["createSecret", "setSecret", "testSecret", "finishSecret"]
    assert sm.describe_secret(SecretId=app.secret_id)["VersionIdsToStages"][token] == ["AWSCURRENT"]
    value = json.loads(sm.get_secret_value(SecretId=app.secret_id, VersionStage="AWSCURRENT")["SecretString"])
    assert value["username"] == app.username + "_clone"
    conn = pg.connect(value["username"], value["password"], value["dbname"])
    conn.close()
