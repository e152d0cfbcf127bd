"""Write a ``.tf`` file in Terraform's JSON syntax, for parity tests (not shipped: a test tool).

python-hcl2 loads HCL into Python data close to Terraform's JSON syntax: expressions come back as
``"${...}"`` templates, quoted strings keep their quotes (``"\\"x\\""``), blocks are lists of
dicts marked ``__is_block__``. This turns that into the JSON a Terraform user writes: string
literals unquoted, labels nested as objects (``resource.TYPE.NAME``), ``//`` comments dropped.
The result is a different file with the same meaning, which is what the parity test needs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import hcl2

LABELLED = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1}


def _unquote(text: str) -> str:
    return str(json.loads(text)) if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return _unquote(value)
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return {_unquote(k): _value(v) for k, v in value.items() if not k.startswith("__")}
    return value


def _merge(into: dict[str, Any], labels: list[str], body: Any) -> None:
    for label in labels[:-1]:
        into = into.setdefault(label, {})
    existing = into.get(labels[-1])
    if existing is None:
        into[labels[-1]] = body
    else:  # a repeated block (two providers "aws" with aliases): an array of bodies
        into[labels[-1]] = [*(existing if isinstance(existing, list) else [existing]), body]


def _unwrap(entry: dict[str, Any], depth: int) -> tuple[list[str], Any]:
    labels: list[str] = []
    node: Any = entry
    for _ in range(depth):
        (key, node), *_rest = node.items()
        labels.append(_unquote(key))
    return labels, _value(node)


def to_terraform_json(hcl_text: str) -> dict[str, Any]:
    loaded = hcl2.loads(hcl_text)
    out: dict[str, Any] = {}
    for block_type, entries in loaded.items():
        if block_type.startswith("__"):  # python-hcl2 bookkeeping (comments), not configuration
            continue
        if block_type in LABELLED:
            target = out.setdefault(block_type, {})
            for entry in entries:
                labels, body = _unwrap(entry, LABELLED[block_type])
                _merge(target, labels, body)
        elif block_type == "locals":
            merged: dict[str, Any] = out.setdefault("locals", {})
            for entry in entries:
                merged.update(_value(entry))
        elif block_type == "terraform":
            body = _value(entries[0])
            if isinstance(body.get("required_providers"), list):
                body["required_providers"] = body["required_providers"][0]
            out["terraform"] = body
        else:
            out[block_type] = _value(entries)
    return out


def write_json_twin(tf: Path, target: Path) -> None:
    target.write_text(
        json.dumps(to_terraform_json(tf.read_text(encoding="utf-8")), indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":  # python -m tests.sources.tf_json main.tf main.tf.json
    write_json_twin(Path(sys.argv[1]), Path(sys.argv[2]))
