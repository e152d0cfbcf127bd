"""PL501 on real repositories (issue 13, item 5): one finding per missing value, none for a
template's own holes, and a repository's declared convention clears its holes.

Read from the corpus before writing the expectations: the landing-zone accelerators' JSON SCPs
and policies are filled by the accelerator's own tooling (``${PARTITION}``, ``${ORG_ID}``,
``${ACCELERATOR_PREFIX}``, ``${ADDL_REGIONS_A}`` for ``aws:RequestedRegion``); AWS's SCP/RCP
example repositories write ``${Account}`` and ``<ORG_ID>``-style values for the reader to fill in by
hand, which stay PL501.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from policy_lint.cli import main

#: the accelerators' own ${NAME} convention, each with the kind of value it stands for
ACCELERATOR_CONVENTION = {
    "PARTITION": "partition",
    "REGION": "region",
    "ACCOUNT_ID": "account",
    "ORG_ID": "value",
    "ACCELERATOR_PREFIX": "name",
    "ACCELERATOR_PREFIX_ND": "name",
    "ACCELERATOR_PREFIX_LND": "name",
    "ACCELERATOR_NAME": "name",
    "ACCELERATOR_CENTRAL_LOGS_BUCKET_NAME": "name",
    "ACCELERATOR_SSM_PREFIX": "name",
    "MANAGEMENT_ACCOUNT_ACCESS_ROLE": "name",
    "ORG_ADMIN_ROLE": "name",
    "ADDL_REGIONS_A": "region",
    "ADDL_REGIONS_B": "region",
    "ADDL_REGIONS_C": "region",
}
ACCELERATORS = ("awslabs__landing-zone-accelerator-on-aws", "aws-samples__aws-secure-environment-accelerator")
UPPER_SNAKE = re.compile(r"\$\{[A-Z][A-Z0-9_]*\}")


def _pl501(*args: str) -> list[tuple[str, str]]:
    result = CliRunner().invoke(main, ["lint", *args, "--select", "PL501", "--format", "json", "-j", "1"])
    assert result.exit_code in (0, 1), result.output
    found = []
    for finding in json.loads(result.stdout)["findings"]:
        if finding["rule_id"] == "PL501":  # a file that does not parse is PL001 whatever is selected
            name = re.search(r"placeholder (.+?) \(", finding["message"])
            assert name is not None, finding["message"]
            found.append((finding["location"]["path"], name.group(1)))
    return found


def test_one_finding_per_missing_value_and_none_for_template_holes(corpus: Path) -> None:
    found = _pl501(str(corpus / "iam-custom"))
    repeated = [pair for pair, count in Counter(found).items() if count > 1]
    assert repeated == []  # a file with forty ${PARTITION} has one finding for it, naming the other lines
    assert not [path for path, _ in found if path.endswith((".tpl", ".tftpl"))]
    # what is left is what a person or a tool must still fill in (813 findings when issue 13 was filed)
    kinds = Counter(
        "accelerator" if UPPER_SNAKE.fullmatch(name) else "<...>" if name.startswith("<") else "${...}"
        for _, name in found
    )
    assert kinds["accelerator"] > 0 and kinds["<...>"] > 0 and kinds["${...}"] > 0
    assert len(found) < 200
    accelerators = {path for path, name in found if UPPER_SNAKE.fullmatch(name)}
    assert all(any(repo in path for repo in ACCELERATORS) for path in accelerators)


def test_the_accelerators_declared_convention_clears_their_holes(corpus: Path, tmp_path: Path) -> None:
    settings = tmp_path / ".policy-lint.yaml"
    settings.write_text(
        "placeholders:\n" + "".join(f"  {name}: {kind}\n" for name, kind in ACCELERATOR_CONVENTION.items()),
        "utf-8",
    )
    folders = [str(corpus / "iam-custom" / repo) for repo in ACCELERATORS]
    before = _pl501(*folders)
    after = _pl501(*folders, "--settings", str(settings))
    assert sum(1 for _, name in before if UPPER_SNAKE.fullmatch(name)) > 50
    assert [name for _, name in after if UPPER_SNAKE.fullmatch(name)] == []
    # what stays is another syntax, such as CloudFormation's ${AWS::Region} in a plain .json
    assert all(name.startswith("${AWS::") for _, name in after)
