"""A policy's size the way AWS counts it against a quota.

IAM does not count whitespace at all (fact AWS-POLICY-SIZE-QUOTAS): a role trust policy or a managed policy is
measured in non-whitespace characters. AWS Organizations and the services with resource policies count the
document as sent, so the smallest size it can have is its minified form: whitespace outside strings removed.
Only a document that is over its quota even minified certainly fails, and only that is reported.
"""

from __future__ import annotations

_WHITESPACE = " \t\r\n"


def iam_size(text: str) -> int:
    """Characters IAM counts: every character but whitespace."""
    return len(text) - sum(text.count(ch) for ch in _WHITESPACE)


def minified(text: str) -> str:
    """The JSON text without the whitespace outside strings (what a minifier such as jsonencode sends)."""
    out: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch not in _WHITESPACE:
            out.append(ch)
    return "".join(out)


def minified_size(text: str, *, in_bytes: bool = False) -> int:
    """Characters (or UTF-8 bytes) of the minified text."""
    small = minified(text)
    return len(small.encode("utf-8")) if in_bytes else len(small)
