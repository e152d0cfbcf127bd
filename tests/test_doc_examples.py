"""Every `policy-lint` example in the hand-written docs runs, with the exit code and output shown.

A ```console block holds `$ policy-lint ...` commands, each followed by the output the reader
should expect (a subset: every shown line must appear in the real output, `...` skips lines,
a line ending in `...` is a prefix)
and optionally `[exit N]` (default 0). Commands in ```bash/```sh blocks run too and must exit
0 or 1 without a traceback. Commands run in a scratch copy of `examples/`, so writing files
(render --out, --write-baseline) leaves the checkout clean. The generated pages
(rules.md, configuration.md, diff.md, cis.md) come from real runs of tools/gen_docs.py, checked by
tests/test_docs.py instead. A block preceded by `<!-- doc-test: skip REASON -->` is not run
(live AWS); the reason is mandatory.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
GENERATED = {"rules.md", "configuration.md", "performance.md", "diff.md", "cis.md"}
DOCS = sorted(
    [REPO_ROOT / "README.md", *(p for p in (REPO_ROOT / "docs").glob("*.md") if p.name not in GENERATED)]
)
FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = re.compile(r"<!--\s*doc-test:\s*skip\s*(?P<reason>.*?)\s*-->")


@dataclass
class Example:
    doc: str
    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    exit_code: int | None = 0  # None: 0 or 1 accepted (bash blocks)


def _examples() -> list[Example]:
    found: list[Example] = []
    for doc in DOCS:
        lines = doc.read_text(encoding="utf-8").splitlines()
        language: str | None = None
        skip_next = False
        current: Example | None = None
        for number, line in enumerate(lines, start=1):
            marker = SKIP.search(line)
            if marker and language is None:
                assert marker.group("reason"), f"{doc.name}:{number}: doc-test skip needs a reason"
                skip_next = True
                continue
            fence = FENCE.match(line)
            if fence:
                if language is None:
                    language = fence.group(1) or "text"
                    skipping = skip_next
                    skip_next = False
                else:
                    language, current = None, None
                continue
            if language is None or skipping:
                continue
            rel = str(doc.relative_to(REPO_ROOT))
            if language == "console":
                if line.startswith("$ "):
                    command = line[2:].strip()
                    current = Example(rel, number, command) if command.startswith("policy-lint ") else None
                    if current:
                        found.append(current)
                elif current is not None:
                    exit_match = re.fullmatch(r"\[exit (\d+)\]", line.strip())
                    if exit_match:
                        current.exit_code = int(exit_match.group(1))
                    elif line.strip():
                        current.expected.append(line.rstrip())
            elif language in {"bash", "sh", "shell"}:
                for part in line.split("&&"):
                    part = part.strip()
                    if part.startswith("policy-lint "):
                        found.append(Example(rel, number, part, exit_code=None))
    return found


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(REPO_ROOT / "examples", root / "examples")
    return root


def test_the_docs_have_examples() -> None:
    docs_with_examples = {e.doc for e in EXAMPLES}
    assert "README.md" in docs_with_examples
    assert "docs/user-guide.md" in docs_with_examples


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.doc}:{e.line}" for e in EXAMPLES])
def test_doc_example_runs_as_shown(example: Example, scratch: Path) -> None:
    argv = shlex.split(example.command, comments=True)
    if ">" in argv:  # `policy-lint ... > file`: the scratch folder receives the file
        argv = argv[: argv.index(">")]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "policy_lint", *argv[1:]],
        cwd=scratch,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    where = f"{example.doc}:{example.line}: `{example.command}`"
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, f"{where}\n{output}"
    if example.exit_code is None:
        assert proc.returncode in (0, 1), f"{where} exited {proc.returncode}\n{output}"
    else:
        assert proc.returncode == example.exit_code, f"{where} exited {proc.returncode}\n{output}"
    actual = [a.rstrip() for a in output.splitlines()]
    for shown in example.expected:
        shown = shown.rstrip()
        if shown == "...":
            continue
        if shown.endswith("..."):  # a long line shown up to "..."
            prefix = shown[:-3].rstrip()
            ok = any(a.startswith(prefix) for a in actual)
        else:
            ok = shown in actual
        assert ok, f"{where}: line not in output:\n{shown}\n---\n{output}"
