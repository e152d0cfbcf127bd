"""Check every AWS response against botocore's own model of it before the collector reads it.

botocore parses what the endpoint sends without checking it: a JSON service can answer a number
where the model says string or a string where it says list, and any service can leave out a
member the model marks required. The collector indexes responses, so an answer of the wrong
shape (a hostile or broken endpoint, a proxy) would end in an internal KeyError or TypeError.
This check turns it into :class:`MalformedResponse`, which the collector reports as
*unknown: malformed response from <action>*.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

HOOK_ID = "policy-lint-response-shape-check"

_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (datetime, str),
    "blob": (bytes, bytearray, str),
}


#: IAM's policy documents: a string in the model, which botocore's own after-call handler decodes
#: into a dict (it leaves text that is not JSON a string).
_DECODED_POLICY = "policyDocumentType"
_JSON_PROTOCOLS = ("json", "rest-json")


class MalformedResponse(Exception):
    """A response does not have the shape botocore's model gives it."""


def problems(value: Any, shape: Any, where: str = "") -> Iterator[str]:
    """What is wrong with ``value`` as an instance of botocore ``shape``: wrong types and missing
    required members (lengths, patterns and enums are not checked: AWS stretches them)."""
    kind = shape.type_name
    label = where or "the response"
    if shape.name == _DECODED_POLICY and isinstance(value, dict):
        return
    if kind == "structure":
        if not isinstance(value, dict):
            yield f"{label} is not a structure"
            return
        for name in shape.required_members:
            if value.get(name) is None:
                yield f"{_member(where, name)} is missing"
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from problems(value[name], member, _member(where, name))
    elif kind == "list":
        if not isinstance(value, list):
            yield f"{label} is not a list"
            return
        for index, item in enumerate(value):
            yield from problems(item, shape.member, f"{where}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            yield f"{label} is not a map"
            return
        for key, item in value.items():
            yield from problems(key, shape.key, f"{where} key")
            yield from problems(item, shape.value, f"{where}[{str(key)[:40]!r}]")
    elif kind in _SCALARS:
        wanted = _SCALARS[kind]
        if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
            yield f"{label} is a {type(value).__name__}, not a {kind}"


def _member(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def check_response(http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
    """botocore ``after-call`` hook: raise :class:`MalformedResponse` on the first problem."""
    if http_response is None or getattr(http_response, "status_code", 200) >= 300:
        return  # an error response: botocore raises ClientError from it next
    if model.service_model.protocol in _JSON_PROTOCOLS:
        _check_json_body(http_response)
    shape = model.output_shape
    if shape is None:
        return
    for problem in problems(parsed, shape):
        raise MalformedResponse(problem)


def _check_json_body(http_response: Any) -> None:
    """botocore reads a JSON body it cannot parse as ``{"message": body}``, which then looks like an
    empty answer (no trails, no queues): a truncated body must not read as "there are none"."""
    if getattr(http_response, "raw", None) is None:
        return  # botocore's Stubber: no body was sent
    body = http_response.content
    if not body:
        return
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedResponse(f"the body is not JSON ({len(body)} bytes): {type(exc).__name__}") from None
    if not isinstance(document, dict):
        raise MalformedResponse("the body is not a JSON object")


def install_shape_check(events: Any) -> None:
    """Register the check on a botocore event emitter. It runs after botocore's own, more specific
    after-call handlers, so it checks the response exactly as the collector receives it."""
    events.register_last("after-call", check_response, unique_id=HOOK_ID)


def malformed_errors() -> tuple[type[BaseException], ...]:
    """What botocore and its response handlers raise on an answer they cannot read.

    Besides its own ResponseParserError (a truncated or invalid body), botocore converts values
    with ``int()`` and a timestamp parser (ValueError), decodes bytes (UnicodeDecodeError, a
    ValueError), parses XML with ElementTree (ParseError, a SyntaxError), and its credential
    providers index the answer (KeyError, TypeError). Caught only around a call into botocore.
    """
    from botocore.parsers import ResponseParserError

    return (MalformedResponse, ResponseParserError, ValueError, TypeError, KeyError, IndexError, SyntaxError)
