"""The AWX execution environment: `ansible-builder create` on execution-environment.yml.

No image can be built here, so the build context ansible-builder writes is
checked instead: the collection as `ansible-galaxy collection build` packs it,
the collection's Python and system requirements, ansible-core at the
controller's pin, and the Terraform install step.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
EE_FILE = ROOT / "execution-environment.yml"
# Left out by ansible-builder's introspection (the image installs its own ansible-core).
BUILDER_EXCLUDES = {"ansible", "ansible-core", "ansible-base"}


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name, version = [*line.split("==", 1), ""][:2]
            found[name.strip().lower()] = version.strip()
    return found


def galaxy() -> dict:
    return yaml.safe_load((ROOT / "galaxy.yml").read_text())


def need(tool: str) -> Path:
    path = BIN / tool
    if not path.exists():
        pytest.skip(f"{path} is missing: pip install -r requirements-dev.txt")
    return path


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the repository's tracked files (and the EE's own files) with the collection tarball
    built where execution-environment.yml expects it."""
    project = tmp_path_factory.mktemp("ee-project")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in [n for n in tracked if n] + ["execution-environment.yml", "bindep.txt", "meta/execution-environment.yml"]:
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    result = run(need("ansible-galaxy"), "collection", "build", "--output-path", "collections", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="module")
def context(project) -> Path:
    result = run(need("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context", "--output-filename", "Containerfile", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No matches" not in result.stdout + result.stderr, "a build file is missing from the context"
    return project / "context"


def test_the_definition_is_ansible_builder_v3():
    definition = yaml.safe_load(EE_FILE.read_text())
    assert definition["version"] == 3
    assert definition["dependencies"]["python"] == "requirements.txt"
    assert definition["dependencies"]["system"] == "bindep.txt"


def test_the_context_holds_the_collection(context):
    version = galaxy()["version"]
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": f"collections/slipway-aws-{version}.tar.gz", "type": "file"}]
    tarball = context / "_build" / "collections" / f"slipway-aws-{version}.tar.gz"
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("slipway", "aws", version)
    # Its content, and the metadata ansible-builder introspects inside the image.
    for member in ("meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "bindep.txt", "playbooks/deploy_service.yml"):
        assert member in names
    assert any(n.startswith("plugins/modules/") for n in names) and any(n.startswith("roles/service_release/") for n in names)
    # galaxy.yml's build_ignore applies: no virtualenv, no Terraform roots.
    assert not any(n.startswith((".venv", "terraform/", "tools/")) for n in names)


def test_the_context_holds_the_python_requirements(context):
    wanted = {name: version for name, version in pins(ROOT / "requirements.txt").items() if name not in BUILDER_EXCLUDES}
    assert wanted, "requirements.txt lists the collection's Python dependencies"
    assert wanted.items() <= pins(context / "_build" / "requirements.txt").items()


def test_the_context_holds_the_system_requirements(context):
    bindep = (context / "_build" / "bindep.txt").read_text()
    assert re.search(r"^git \[platform:rpm", bindep, re.MULTILINE)


def test_ansible_core_is_the_controllers(context):
    containerfile = (context / "Containerfile").read_text()
    core = pins(ROOT / "requirements.txt")["ansible-core"]
    assert f"ansible-core=={core}" in re.search(r'^ARG ANSIBLE_INSTALL_REFS="(.*)"$', containerfile, re.MULTILINE)[1]


def test_terraform_is_installed_at_cis_version(context):
    containerfile = (context / "Containerfile").read_text()
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    version = ci["env"]["TERRAFORM_VERSION"]
    final = containerfile[containerfile.index("FROM base AS final") :]
    assert f"ARG TERRAFORM_VERSION={version}" in final
    install = next(line for line in final.splitlines() if "terraform-${TERRAFORM_VERSION}" in line)
    assert "rpm.releases.hashicorp.com" in install and install.rstrip().endswith("terraform version")


def test_the_collection_metadata_names_its_requirements():
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 1
    for key in ("python", "system"):
        assert (ROOT / meta["dependencies"][key]).is_file()
    for line in (ROOT / "bindep.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[a-z0-9.+-]+( \[[a-z0-9: !-]+\])?", line), f"not a bindep line: {line}"


def test_a_broken_definition_is_refused(project, tmp_path):
    """The check can fail: ansible-builder rejects a definition with a misspelt key."""
    broken = yaml.safe_load((project / "execution-environment.yml").read_text())
    broken["dependencies"]["pyhton"] = broken["dependencies"].pop("python")
    (project / "broken-ee.yml").write_text(yaml.safe_dump(broken))
    result = run(need("ansible-builder"), "create", "-f", "broken-ee.yml", "-c", tmp_path / "ctx", cwd=project)
    assert result.returncode != 0
    assert "pyhton" in result.stdout + result.stderr
