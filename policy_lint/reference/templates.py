"""Fill the guide's policy templates from onboarding.yaml and write ready-to-paste policies.

Templates keep the guide's ``${Account ID}``-style placeholders; here they become
jinja2 variables rendered with ``StrictUndefined``, so a missing value stops the
render with the configuration key to set instead of producing a half-filled
policy. ARNs are written for the configured partition (``arn:aws-cn:`` for
domain china), fixing the guide's hard-coded ``arn:aws:`` (GUIDE-PARTITION).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from policy_lint.core.errors import InputError
from policy_lint.onboarding.config import OnboardingConfig
from policy_lint.reference.manifest import Reference, ReferenceSet, in_partition, load_reference_set


@dataclass(frozen=True)
class TemplateValue:
    """How one placeholder is filled: the jinja2 variable, the config keys it needs, and the getter."""

    variable: str
    config_keys: str
    get: Callable[[OnboardingConfig], str | None]


def _bucket(config: OnboardingConfig) -> str | None:
    return config.audit_log.bucket if config.audit_log else None


VALUES: dict[str, TemplateValue] = {
    "${Account ID}": TemplateValue("account_id", "account_id", lambda c: c.account_id),
    "${SQS ARN}": TemplateValue(
        "queue_arn", "account_id, audit_log.region, audit_log.queue_name", lambda c: c.queue_arn
    ),
    "${S3 bucket name}": TemplateValue("bucket", "audit_log.bucket", _bucket),
}


@dataclass(frozen=True)
class RenderedPolicy:
    """One written policy and where it must be attached."""

    name: str
    path: Path
    attach_to: str
    features: tuple[str, ...]
    text: str


def to_template(reference: Reference) -> str:
    """The reference text as a jinja2 template (placeholders -> variables, ARNs -> partition-aware)."""
    text = reference.text.replace("{{", "{{ '{{' }}")
    for placeholder in reference.placeholders:
        value = VALUES.get(placeholder.token)
        if value is None:
            raise InputError(
                f"reference {reference.name} has a placeholder {placeholder.token} render cannot fill"
            )
        text = text.replace(placeholder.token, "{{ " + value.variable + " | json_inner }}")
    return in_partition(text, "{{ partition }}")


def _missing(reference: Reference, config: OnboardingConfig) -> list[str]:
    return [
        f"{reference.name} needs {p.token}: set {VALUES[p.token].config_keys} in {config.path}"
        for p in reference.placeholders
        if p.token in VALUES and VALUES[p.token].get(config) is None
    ]


def plan_render(
    config: OnboardingConfig, refs: ReferenceSet | None = None
) -> list[tuple[Reference, tuple[str, ...]]]:
    """The shipped references this configuration needs (managed policies are attached, not rendered)."""
    refs = refs or load_reference_set()
    try:
        requirements = refs.for_features(
            config.features, config.plan, config.audit_log is not None, console_region=config.console_region
        )
    except ValueError as exc:
        raise InputError(str(exc), config.path) from None
    return [(refs.get(r.policy), r.features) for r in requirements if not r.is_managed]


def render_reference_policies(
    config: OnboardingConfig, out_dir: Path, refs: ReferenceSet | None = None
) -> list[RenderedPolicy]:
    """Render every needed template into ``out_dir``; nothing is written unless all can be filled."""
    import jinja2

    needed = plan_render(config, refs)
    problems = [problem for reference, _ in needed for problem in _missing(reference, config)]
    if problems:
        raise InputError("cannot render: " + "; ".join(problems), config.path)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters["json_inner"] = lambda value: json.dumps(str(value), ensure_ascii=False)[1:-1]
    variables = {value.variable: value.get(config) for value in VALUES.values()}
    variables["partition"] = config.partition
    rendered: list[RenderedPolicy] = []
    for reference, features in needed:
        text = env.from_string(to_template(reference)).render(**variables)
        rendered.append(
            RenderedPolicy(
                reference.name, out_dir / f"{reference.name}.json", reference.attach_to, features, text
            )
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for policy in rendered:
        policy.path.write_text(policy.text, encoding="utf-8")
    return rendered
