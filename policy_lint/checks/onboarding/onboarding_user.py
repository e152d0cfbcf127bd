"""Which IAM user is the onboarding user (the OB1 rules judge only this one).

The user named by ``iam_user`` in onboarding.yaml; without it, every user that is named as the
guide names it (PLAN-USER-NAMES), or (a) has an AWS
managed policy of the guide attached (AmazonEC2ReadOnlyAccess, IAMReadOnlyAccess,
ReadOnlyAccess), (b) has a policy carrying the Agentless policy's tag conditions
(``alibaba-cloud-security-scan*`` / ``SAS_Agentless*``), or (c) has a policy naming an audit
queue (see :mod:`.pipeline`).
"""

from __future__ import annotations

from policy_lint.checks.onboarding.pipeline import audit_queue_arns, pipeline
from policy_lint.inventory.model import IamUser, Inventory
from policy_lint.inventory.names import display_name
from policy_lint.inventory.policies import policy_refs, user_policies
from policy_lint.inventory.references import canon, same_value, scope_of, text

#: AWS managed policies the guide attaches to the onboarding user (PLAN-FEATURE-POLICIES).
GUIDE_MANAGED = ("amazonec2readonlyaccess", "iamreadonlyaccess", "readonlyaccess")
#: The user name the guide's manual plan suggests, and the prefix of the quick plan's user (PLAN-USER-NAMES, PLAN-QUICK-USER).
GUIDE_USER_NAME = "aliyun-security-center-user"
QUICK_USER_PREFIX = "AlibabaSasSubAccount_"
#: The Agentless policy's tag-condition values (PLAN-AGENTLESS-CONTENT): their presence marks the onboarding user.
AGENTLESS_MARKERS = ("alibaba-cloud-security-scan", "SAS_Agentless")


def named_like_the_guide(user: IamUser) -> bool:
    """Is the user named as the guide names the onboarding user (manual plan's example, quick plan's prefix)?"""
    name = user.name
    return isinstance(name, str) and (name == GUIDE_USER_NAME or name.startswith(QUICK_USER_PREFIX))


def _looks_onboarding(user: IamUser, inventory: Inventory, queue_texts: list[str]) -> bool:
    if same_value(user.name, GUIDE_USER_NAME):  # the quick plan's user is OB122's, not the manual plan's
        return True
    for ref in policy_refs(user):
        name = (text(ref.arn) or ref.name or "").rsplit("/", 1)[-1].lower()
        if name in GUIDE_MANAGED:
            return True
    policies, _ = user_policies(user, inventory)
    for policy in policies:
        if policy.document is None or policy.managed:
            continue
        body = policy.document.source.text
        if any(m in body for m in AGENTLESS_MARKERS) or any(q in body for q in queue_texts):
            return True
    return False


def onboarding_users(inventory: Inventory) -> list[IamUser]:
    """The user named by ``iam_user``, else the users that look like the onboarding user."""
    config = inventory.config
    if config is not None and config.iam_user:
        name = config.iam_user
        return [u for u in inventory.users if same_value(u.name, name)]
    queue_texts = [
        canon(arn, scope_of(queue) if queue is not None else None)
        for queue, arn in audit_queue_arns(inventory, pipeline(inventory))
        if isinstance(arn, str)
    ]
    return [u for u in inventory.users if _looks_onboarding(u, inventory, queue_texts)]


def user_label(user: IamUser) -> str:
    """The user's name for messages (its address when the name is not literal)."""
    return display_name(user.name, user)
