"""Make any string safe to show: secrets redacted, control characters escaped.

Everything policy-lint prints can come from the files it checks, and in CI those are written by
whoever opens the pull request. Two things must never reach a report or a terminal:

- **Secrets.** A Terraform string can hold a whole environment (``file("/proc/self/environ")``).
  :func:`redact` removes secret-shaped text, whatever rule or source produced it.
- **Control characters.** A newline in a file name forges a finding line; ``ESC`` starts a
  terminal escape (clear screen, OSC-8 hyperlinks); bidi overrides reorder what a reviewer reads
  ("Trojan Source"); a non-UTF-8 file name makes the output invalid UTF-8.
  :func:`escape_controls` writes each of them as a visible escape, the way ``repr`` shows
  policy values.

:func:`clean` is both, in that order (redaction still sees the NUL and newline separators), and
is what every format and every stderr message applies to each string that came from input.
Rule metadata, URLs and fingerprints are written by us and are not passed through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from policy_lint.core.findings import Finding

# ---------------------------------------------------------------------------------------- secrets

_REDACTED = "[redacted]"

# Every pattern starts with a negative lookbehind of the characters its body consumes, so it can
# only start at the beginning of a run and each run is scanned a bounded number of times: the
# cost stays linear in the text however hostile it is (tests/security/test_redaction.py).

#: PEM private keys, whole block (or to the end when the END line was cut off).
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*-----|\Z)", re.DOTALL
)
#: A word that says a value is secret: ``AWS_SECRET_ACCESS_KEY``, ``GITHUB_TOKEN``, ``DB_PASSWORD``.
_SECRET_WORD = re.compile(r"(?i)secret|token|passw(?:or)?d|credential|api_?key|private_?key")
#: The same words at the end of a name: a ``name: value`` field or a JSON key ends with one.
#: "Ends with", so ``password_last_used`` (a date) and ``token_count`` are not secrets.
_SECRET_NAME_END = re.compile(
    r"(?i)(?:secret|token|passw(?:or)?d|credential|api_?key|private_?key|secret_?access_?key)s?$"
)
#: ``NAME=value``: environment blobs (``/proc/self/environ`` is NUL-separated ``KEY=value``
#: pairs), .env files, shell lines, URL query strings.
_ASSIGNMENT = re.compile(r"(?<![\w.-])([\w.-]+)(\s*=\s*[\"']?)")
#: ``name: value`` (YAML, JSON, HTTP-header style).
_FIELD = re.compile(r"(?<![\w.-])([\w.-]+)([\"']?\s*:\s*[\"']?)")
#: A labelled value ends at whitespace, a quote, a separator, a NUL, or an escape such as
#: ``\x00`` or ``\n`` (how ``repr`` and :func:`escape_controls` write a NUL or a newline).
_ESCAPE = r"\\(?:[xX][0-9a-fA-F]{2}|[ntr0]|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})"
_ASSIGNED_VALUE = re.compile(rf"(?:(?!{_ESCAPE})[^\s\"',;&\x00])+")
_FIELD_VALUE = re.compile(rf"(?:(?!{_ESCAPE})[^\s\"',;:&\x00])+")
#: HTTP ``Authorization`` values (Basic, Bearer, AWS SigV4, anything), and a bare ``Bearer`` token.
_AUTHORIZATION = re.compile(
    r"(?i)(?<![\w-])(authorization[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer|token|digest)\s+)?)"
    r"([^\s\"',;\x00]+)"
)
_BEARER = re.compile(r"(?i)(?<![\w-])(bearer\s+)([A-Za-z0-9._~+/-]{16,}=*)")
#: GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
_GITHUB_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])"
)
#: A JSON Web Token: base64url header and payload, both JSON objects (``eyJ`` is ``{"``).
_JWT = re.compile(r"(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
#: AWS session tokens start with one of these (base64 of their binary header).
_SESSION_TOKEN = re.compile(
    r"(?<![A-Za-z0-9/+=])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+]*=*"
)
#: A long run of base64: other session and bearer tokens, key material. 100 characters is far
#: longer than any ARN part or resource name; file paths are as long, and told apart by
#: :func:`_looks_random`.
_LONG_BASE64 = re.compile(r"(?<![A-Za-z0-9/+=_-])[A-Za-z0-9/+_-]{100,}={0,2}(?![A-Za-z0-9/+=_-])")
#: AWS access key IDs: AKIA (long-term), ASIA (temporary), ABIA/ACCA (STS service bearer and
#: context keys): a 4-letter prefix and 16 upper-case alphanumerics.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
#: A secret access key is 40 base64 characters.
_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


#: Every pattern above needs one of these words (looked for in the lower-cased text) or a long
#: run of base64: two scans tell most strings (rule IDs, messages, paths) need no more work,
#: which keeps reporting thousands of findings fast.
_MAYBE_SECRET_WORD = re.compile(
    r"s(?:ecret)|t(?:oken)|p(?:assw|rivate)|c(?:redential)|a(?:pi_?key|uthorization|kia|sia|bia|cca)"
    r"|b(?:earer)|g(?:h[pousr]_|ithub_pat_)|e(?:yj)|i(?:qoj)|f(?:[wq]og)"
)
#: The two patterns that need no word, exactly (a secret access key, a long base64 run): a looser
#: "40 characters of a run" sent every message naming a long policy or role path down the slow path.
#: The letters Python's case-insensitive matching takes for ASCII ones (long s, dotless and dotted i,
#: Kelvin sign): the patterns' ``(?i)`` reads ``ſecret=`` as ``secret=``, so the pre-check must too.
_FOLDED_TO_ASCII = str.maketrans({"\u017f": "s", "\u0131": "i", "\u0130": "i", "\u212a": "k"})
_MAYBE_SECRET_RUN = re.compile(f"{_SECRET_KEY.pattern}|{_LONG_BASE64.pattern}")
#: What both need, without their look-arounds (twice as fast): asked first, as most texts have no such run.
_LONG_RUN = re.compile(r"[A-Za-z0-9/+_-]{40}")


def _mixed(text: str) -> bool:
    return (
        any(c.islower() for c in text) and any(c.isupper() for c in text) and any(c.isdigit() for c in text)
    )


def _class_changes(text: str) -> int:
    def kind(c: str) -> int:
        return 0 if c.isupper() else 1 if c.islower() else 2 if c.isdigit() else 3

    return sum(kind(a) != kind(b) for a, b in pairwise(text))


def _looks_random(text: str) -> bool:
    """As random as base64: upper case, lower case and a digit, and the character class changes
    at 40% of the positions or more (random base64 about 65%, words and paths such as
    ``aws-samples__aws-secure-environment-accelerator/reference-artifacts/...`` about 15%)."""
    return _mixed(text) and _class_changes(text) >= 0.4 * len(text)


def _looks_like_secret_key(text: str) -> bool:
    """A bare 40-character candidate is a secret access key when it is as random as one.

    Upper case, lower case and a digit rule out hex digests (commit SHAs, our fingerprints);
    at least 14 changes between character classes rule out paths such as
    ``/AWSLogs/123456789012/CloudTrail/Digest/`` (13), while a random key has about 25 and
    fewer than 2 in 10,000 have under 14 (those are still caught after a ``KEY=`` label).
    A run that reads as a path (``tZliJRk3ec/p/examples/policies/agentless``: a temporary folder
    followed by words) is not one: a key has two slashes or more in about 13% of cases, but
    then a whole segment of six lower-case letters in well under 1% of those.
    """
    return _mixed(text) and _class_changes(text) >= 14 and not _path_like(text)


_WORD_SEGMENT = re.compile(r"(?:^|/)[a-z]{6,}(?:/|$)")


def _path_like(text: str) -> bool:
    return text.count("/") >= 2 and _WORD_SEGMENT.search(text) is not None


def _secret_assignment(name: str, value: str) -> bool:
    return bool(_SECRET_WORD.search(name))


def _secret_field(name: str, value: str) -> bool:
    """The name ends in a secret word and the value has 8+ characters with a digit: the
    ``"SecretAccessKey": "wJalr..."`` and ``password: hunter22`` of a config, not prose such as
    ``console password: not collected`` or ``'sts:GetSessionToken': unknown action``."""
    return len(value) >= 8 and any(c.isdigit() for c in value) and bool(_SECRET_NAME_END.search(name))


def _redact_labelled(
    label: re.Pattern[str],
    value_pattern: re.Pattern[str],
    name_hint: re.Pattern[str],
    is_secret: Callable[[str, str], bool],
    text: str,
) -> str:
    """Replace the value after each ``name<separator>`` *label* whose (name, value) *is_secret*.

    A value is read only after a name *name_hint* accepts, and a pair that is not secret gives
    up just its name: reading stays linear in the text, and a secret pair inside a harmless
    value (``HOME=/x\\x00TOKEN=...``) is still found.
    """
    parts: list[str] = []
    pos = 0
    while (match := label.search(text, pos)) is not None:
        name = match.group(1)
        value = value_pattern.match(text, match.end()) if name_hint.search(name) else None
        if value is not None and is_secret(name, value.group(0)):
            parts += [text[pos : match.end()], _REDACTED]
            pos = value.end()
        else:
            parts.append(text[pos : match.end(1)])
            pos = match.end(1)
    parts.append(text[pos:])
    return "".join(parts)


def redact(text: str) -> str:
    """*text* with every secret-shaped part replaced; access key IDs keep their last 4 characters.

    docs/reports.md ("Secrets") lists what is redacted and what is left alone (ARNs, account
    IDs, policy text, hex digests).
    """
    lowered = text.lower() if text.isascii() else text.translate(_FOLDED_TO_ASCII).lower()
    if not _MAYBE_SECRET_WORD.search(lowered) and not (
        _LONG_RUN.search(text) and _MAYBE_SECRET_RUN.search(text)
    ):
        return text
    return _redact_all(text)


def _redact_all(text: str) -> str:
    """Every pattern, without :func:`redact`'s pre-checks (which only skip texts it leaves alone)."""
    text = _PRIVATE_KEY.sub("[redacted private key]", text)
    # Both labelled forms need a secret word in the name, so in the text: without one, the
    # label-by-label walk (the costliest part, in a message listing many ``service:Action``) is skipped.
    if _SECRET_WORD.search(text):
        text = _redact_labelled(_ASSIGNMENT, _ASSIGNED_VALUE, _SECRET_WORD, _secret_assignment, text)
        text = _redact_labelled(_FIELD, _FIELD_VALUE, _SECRET_NAME_END, _secret_field, text)
    text = _AUTHORIZATION.sub(lambda m: m.group(1) + _REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + _REDACTED, text)
    text = _GITHUB_TOKEN.sub("[redacted GitHub token]", text)
    text = _JWT.sub("[redacted token]", text)
    text = _SESSION_TOKEN.sub("[redacted session token]", text)
    text = _LONG_BASE64.sub(lambda m: "[redacted token]" if _looks_random(m.group(0)) else m.group(0), text)
    text = _ACCESS_KEY_ID.sub(lambda m: "…" + m.group(0)[-4:], text)
    return _SECRET_KEY.sub(
        lambda m: "[redacted secret]" if _looks_like_secret_key(m.group(0)) else m.group(0), text
    )


# ---------------------------------------------------------------------------- control characters

#: What must not reach a terminal or a report as itself: C0 controls, DEL and C1 controls (Cc);
#: every format character (Cf: bidi embeddings/overrides/isolates U+202A-202E and U+2066-2069,
#: marks, zero-width characters, the BOM, Unicode tags); the line and paragraph separators (Zl,
#: Zp); lone surrogates (Cs), which is how Python holds the bytes of a non-UTF-8 file name.
#: Spelled out rather than looked up so the output does not depend on the Python version's
#: Unicode tables; tests/security/test_terminal_escapes.py checks it covers them all.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def escape_controls(text: str) -> str:
    """Control, format and separator characters as ``\\n``, ``\\x1b``, ``\\u202e``; the bytes
    of a non-UTF-8 file name as ``\\xff``. The result is one line of valid UTF-8."""
    if text.isprintable():  # every character _UNSAFE names is one str.isprintable() refuses
        return text
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def clean(text: object) -> str:
    """:func:`redact` then :func:`escape_controls`: what any format may show of an input string."""
    return _clean_text(str(text))


#: Cleaned texts by their raw text: a report repeats the same paths, rule names and messages
#: (95,000 strings, 5,000 distinct, in the JSON of the CloudFormation corpus), and redacting each
#: costs regex searches. Also filled with what lint's workers cleaned (:func:`remember_cleaned`).
_CLEANED: dict[str, str] = {}
_MOST_REMEMBERED = 1 << 16


def _clean_text(text: str) -> str:
    found = _CLEANED.get(text)
    if found is None:
        if len(_CLEANED) >= _MOST_REMEMBERED:
            _CLEANED.clear()
        found = _CLEANED[text] = escape_controls(redact(text))
    return found


def cleaned_texts(findings: Iterable[Finding]) -> dict[str, str]:
    """The file name, message and hint of each finding, cleaned, by raw text: every report shows
    these three. ``lint`` has its worker processes call this on the findings they make, so the
    cleaning (a third of a text report's time) runs in parallel; :func:`remember_cleaned` then
    gives it to this process's reports."""
    texts = {text for f in findings for text in (f.location.path, f.message, f.hint) if text}
    return {text: _clean_text(text) for text in texts}


def remember_cleaned(cleaned: Mapping[str, str]) -> None:
    """Take texts :func:`cleaned_texts` cleaned in a worker (the same code, in a process forked
    from this one) as this process's own: :func:`clean` then finds them done."""
    if len(_CLEANED) + len(cleaned) > _MOST_REMEMBERED:
        _CLEANED.clear()
    _CLEANED.update(cleaned)


class _Located(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def col(self) -> int: ...


def clean_location(location: _Located) -> str:
    """``path:line:col`` for a report: :func:`clean` of the path (remembered, so once per file)
    and the line and column as written. The numbers are ours, so only the path can hold a
    secret or a control character; cleaning the joined text instead cost one redaction per
    finding (half the time of a text report of the 1,594 managed policies)."""
    return f"{clean(location.path)}:{location.line}:{location.col}"


#: the characters a location's format escapes itself, so they keep their identity: a GitHub
#: workflow command's property (CR, LF as %0D, %0A; TAB is harmless in it) and JSON (GitLab)
_FORMAT_ESCAPES = frozenset("\r\n\t")


def clean_location_path(path: str) -> str:
    """A file name for a format that escapes CR, LF and TAB on its own: :func:`clean`, but those
    three stay themselves, so the name the CI service reads back is the file's real name (a
    ``\\n`` written out would name a file that does not exist). Every other control, format or
    separator character is still a visible escape: a terminal escape or a bidi override in a
    name is an attack on whoever reads the log, and cannot be given back safely."""
    text = redact(str(path))
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group(0) if m.group(0) in _FORMAT_ESCAPES else _escape(m), text)


def clean_value(value: Any) -> Any:
    """:func:`clean` applied to every string inside a JSON-like value, keys included; a string
    under a key that names a secret (``password``, ``SecretAccessKey``) is redacted whole."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {
            clean(key): (
                _REDACTED
                if isinstance(item, str) and item and _SECRET_NAME_END.search(str(key))
                else clean_value(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [clean_value(item) for item in value]
    return value
