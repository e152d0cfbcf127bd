"""``Source.position``: line and column of an offset, the same whether counted or looked up."""

from __future__ import annotations

import random

from policy_lint.syntax.source import Source


def _expected(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def test_every_offset_of_random_texts_has_its_line_and_column() -> None:
    rng = random.Random(3)
    for _ in range(200):
        text = "".join(rng.choice("ab\n\r\u2028é ") for _ in range(rng.randint(0, 60)))
        offsets = list(range(len(text) + 1))
        rng.shuffle(offsets)
        source = Source("p.json", text)  # one source asked many times: counted first, then a table
        for offset in offsets:
            assert source.position(offset) == _expected(text, offset), (text, offset)


def test_the_first_lines_and_a_line_break_at_the_offset() -> None:
    source = Source("p.json", '{\n  "Version": 1,\n  "Statement": []\n}\n')
    assert source.position(0) == (1, 1)
    assert source.position(1) == (1, 2)  # the line break itself is the end of line 1
    assert source.position(2) == (2, 1)
    assert source.position(4) == (2, 3)
    assert source.offset_of(2, 3) == 4 and source.offset_of(99, 1) == len(source.text)
