"""Templated condition keys (``ec2:ResourceTag/${TagKey}``) are found whatever was loaded before.

The catalog files the templates of the services it has loaded into buckets only when a lookup
misses the exact keys; these tests load services in between lookups, the way a folder of
policies does, and check the templates of each service are still found.
"""

from __future__ import annotations

from policy_lint.catalog.conditions import (
    ConditionKeyCatalog,
    KeyScope,
    key_listed,
)


def test_templates_of_services_loaded_after_a_first_lookup_are_found() -> None:
    keys = ConditionKeyCatalog()
    first = keys.lookup("ec2:ResourceTag/Team")
    assert first is not None and first.name == "ec2:ResourceTag/${TagKey}"
    # another service loaded after the templates were first filed
    second = keys.lookup("s3:ExistingObjectTag/Owner")
    assert second is not None and second.name == "s3:ExistingObjectTag/<key>"
    assert second.scope is KeyScope.SERVICE
    # and the first service's templates are still there
    again = keys.lookup("EC2:resourcetag/other")
    assert again is not None and again.name == "ec2:ResourceTag/${TagKey}"


def test_a_key_no_template_fits_is_unknown_not_the_nearest_template() -> None:
    keys = ConditionKeyCatalog()
    assert keys.lookup("ec2:ResourceTag/Team") is not None
    assert keys.lookup("ec2:ResourceTagz") is None


def test_a_template_listed_key_needs_text_after_its_prefix() -> None:
    assert key_listed("aws:RequestTag/Team", ["aws:RequestTag/${TagKey}"])
    assert not key_listed("aws:RequestTag/", ["aws:RequestTag/${TagKey}"])
    assert not key_listed("aws:RequestTagTeam", ["aws:RequestTag/${TagKey}"])
    # only a lower-case "/tag-key" is the reference's variable; "Tag-Key" is literal text
    assert key_listed("aws:principaltag/Team", ["aws:PrincipalTag/tag-key"])
    assert key_listed("aws:foo/tag-key", ["aws:Foo/Tag-Key"])
    assert not key_listed("aws:Foo/Team", ["aws:Foo/Tag-Key"])
