"""The sample CI workflow (issue 22): it parses, runs the gates, then keeps the history."""

import re
from pathlib import Path

import yaml

from bench.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "bench.yml"
BUILT_ON_ANOTHER_BRANCH = {"publish"}  # `bench publish` (branch site): the results site


def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job):
    return workflow()["jobs"][job]["steps"]


def names(job):
    return [step.get("name", step.get("uses")) for step in steps(job)]


def test_it_runs_on_pushes_to_main_and_pull_requests():
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"] and "pull_request" in triggers


def test_the_history_is_kept_after_the_tests_and_gates():
    order = names("bench")
    gates = [order.index(n) for n in ("Tests", "Speed gate (base and head in this job)")]
    history = order.index("Add the compact record to the results branch")
    assert max(gates) < order.index("Check out the results branch") < history
    assert history < order.index("Publish the site from the history")
    assert order.index("Upload the full run folder") < history


def test_pushes_deploy_the_site_and_pull_requests_upload_it():
    bench = {step.get("name"): step for step in steps("bench")}
    pages = bench["Upload the site for GitHub Pages"]
    assert pages["uses"].startswith("actions/upload-pages-artifact@") and "push" in pages["if"]
    pr_site = bench["Upload the pull request's site"]
    assert (
        pr_site["uses"].startswith("actions/upload-artifact@") and "pull_request" in pr_site["if"]
    )
    assert (
        '"$STORE" "$RUN_DIR" --out site'
        in bench["Publish the site, this pull request's run beside main's history"]["run"]
    )
    deploy = workflow()["jobs"]["deploy-site"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert workflow()["jobs"]["bench"]["permissions"] == {"contents": "write"}


def test_every_command_it_runs_exists():
    text = WORKFLOW.read_text()
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)
    used = set(re.findall(r"python -m bench (\w+)", text))
    assert {"compact", "publish"} <= used
    assert used - subcommands <= BUILT_ON_ANOTHER_BRANCH
    makefile = (ROOT / "Makefile").read_text()
    for target in set(re.findall(r"make (\w+)", text)):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
