"""The lab CI templates (docs/ci): every harness command in them parses with the harness's own
argument parser, every bench of the matrix is a bench of the profile set, one cycle id per
pipeline, and a last job builds the lab report with `harness report`."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from harness.cli import build_parser
from harness.profiles import load_profile_set

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "docs" / "ci"


def _expand(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), text)


def _parse(command: str, env: dict[str, str]) -> object:
    words = shlex.split(_expand(command, env))
    assert words[0] == "harness", command
    return build_parser().parse_args(words[1:])


def _set_benches(env: dict[str, str]) -> set[str]:
    return {b.name for b in load_profile_set(ROOT / env["PROFILE_SET"]).benches}


def test_gitlab_template() -> None:
    doc = yaml.safe_load((CI / "gitlab-ci.yml").read_text(encoding="utf-8"))
    env = {k: str(v) for k, v in doc["variables"].items()} | {"CI_PIPELINE_ID": "4711"}
    env["CYCLE_ID"] = _expand(env["CYCLE_ID"], env)
    assert doc["stages"] == ["bench", "report"]
    bench = doc["bench"]
    names = bench["parallel"]["matrix"][0]["BENCH"]
    assert set(names) <= _set_benches(env) and len(names) >= 2
    assert bench["tags"] == ["bench-$BENCH"]  # a runner per bench PC
    runs = [_parse(line, {**env, "BENCH": names[0]}) for line in bench["script"] if line.startswith("harness")]
    assert len(runs) == 1
    run = runs[0]
    assert run.only == [names[0]] and run.cycle_id == "PIT-4711"  # type: ignore[attr-defined]
    assert run.store.startswith("postgresql://") and run.locks.startswith("labgrid://")  # type: ignore[attr-defined]
    report = doc["lab-report"]
    assert report["stage"] == "report" and report["when"] == "always"
    parsed = [_parse(line, env) for line in report["script"] if line.startswith("harness")]
    assert parsed[0].command == "report" and parsed[0].cycle_id == "PIT-4711"  # type: ignore[attr-defined]
    assert parsed[0].store == run.store  # type: ignore[attr-defined]


def test_jenkins_template() -> None:
    text = (CI / "Jenkinsfile").read_text(encoding="utf-8")
    env = dict(re.findall(r"^\s+(\w+)\s+=\s+['\"]([^'\"]+)['\"]", text, flags=re.M))
    env["BUILD_TAG"] = "jenkins-lab-7"
    env = {k: _expand(v.replace("env.", ""), env) for k, v in env.items()}
    axis = re.search(r"name 'BENCH'\s+values (.+)", text)
    assert axis is not None
    names = re.findall(r"'([^']+)'", axis.group(1))
    assert set(names) <= _set_benches(env) and len(names) >= 2
    assert 'label "bench-${BENCH}"' in text
    commands = re.findall(r"sh '(harness [^']+)'", text)
    parsed = [_parse(c, {**env, "BENCH": names[-1]}) for c in commands]
    run = next(p for p in parsed if p.command == "run")  # type: ignore[attr-defined]
    assert run.only == [names[-1]] and run.cycle_id == "PIT-jenkins-lab-7"  # type: ignore[attr-defined]
    assert [p.command for p in parsed][-2:] == ["report", "cycles"]  # type: ignore[attr-defined]
    assert text.index("stage('lab report')") > text.index("stage('benches')")
