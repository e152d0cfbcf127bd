"""inventory.cloudtrail.summarize on the neutral selectors: the cases no source spelling shows.

The parity table (tests/live/test_event_selector_parity.py) runs AWS's documented cases through
every source; here are the edges of the three-valued logic: values the input cannot know,
operators AWS does not document together, and which opt-out is left out of which kind.
"""

from __future__ import annotations

from policy_lint.inventory.cloudtrail import (
    AdvancedSelector,
    BasicSelector,
    EventSelectors,
    FieldSelector,
    field_matches,
    summarize,
)
from policy_lint.inventory.model import EventSelectorSummary, Unknown

MANAGEMENT = FieldSelector("eventCategory", equals=("Management",))
KMS = "kms.amazonaws.com"


def advanced(*selectors: tuple[FieldSelector, ...]) -> EventSelectors:
    return EventSelectors(advanced=tuple(AdvancedSelector(s) for s in selectors))


def test_two_including_operators_decide_only_when_they_agree() -> None:
    both = FieldSelector("eventName", equals=("ConsoleLogin",), starts_with=("Console",))
    assert field_matches(both, "ConsoleLogin") is True  # AND and OR agree
    assert field_matches(both, "CreateUser") is False
    disagree = field_matches(both, "ConsoleLogout")  # AND says no, OR says yes
    assert isinstance(disagree, Unknown) and "does not document" in disagree.reason


def test_an_excluding_operator_holds_only_when_no_value_matches() -> None:
    condition = FieldSelector("eventSource", not_equals=(KMS, "rdsdata.amazonaws.com"))
    assert field_matches(condition, "iam.amazonaws.com") is True
    assert field_matches(condition, KMS) is False


def test_an_unknown_value_keeps_its_reason() -> None:
    read_only = FieldSelector("readOnly", equals=Unknown("var.read_only is not set"))
    summary = summarize(advanced((MANAGEMENT, read_only)))
    assert isinstance(summary, EventSelectorSummary)
    assert isinstance(summary.management_read, Unknown)
    assert "var.read_only is not set" in summary.management_read.reason


def test_an_unknown_field_name_could_be_the_category_so_it_is_not_read_as_missing() -> None:
    unnamed = FieldSelector(Unknown("Field: !Ref FieldName"), equals=("Management",))
    summary = summarize(advanced((unnamed,)))
    assert isinstance(summary, EventSelectorSummary) and isinstance(summary.management_write, Unknown)


def test_unknown_selectors_are_unknown_whole() -> None:
    unknown = Unknown("dynamic event_selector block over var.selectors")
    assert summarize(EventSelectors(basic=unknown)) == unknown
    assert summarize(EventSelectors(advanced=unknown)) == unknown


def test_an_opt_out_left_out_of_one_kind_is_reported_once() -> None:
    selectors = EventSelectors(
        basic=(
            BasicSelector(read_write_type="ReadOnly"),
            BasicSelector(read_write_type="WriteOnly", exclude_management_event_sources=(KMS,)),
        )
    )
    assert summarize(selectors) == EventSelectorSummary(True, True, (KMS,), "basic")


def test_an_unknown_read_write_type_name_is_unknown_not_all() -> None:
    summary = summarize(EventSelectors(basic=(BasicSelector(read_write_type="Everything"),)))
    assert isinstance(summary, EventSelectorSummary) and isinstance(summary.management_read, Unknown)
    assert "'Everything' is not ReadOnly, WriteOnly or All" in summary.management_read.reason


def test_filters_are_described_as_written_without_the_opt_outs() -> None:
    source = FieldSelector("eventSource", not_equals=(KMS, "iam.amazonaws.com"))
    summary = summarize(advanced((MANAGEMENT, source)))
    assert summary == EventSelectorSummary(
        False, False, (KMS,), "advanced", ("eventSource NotEquals kms.amazonaws.com, iam.amazonaws.com",)
    )
    data = FieldSelector("eventCategory", equals=("Data",))
    names = FieldSelector("eventName", equals=("PutObject",))
    assert summarize(advanced((data, names), (MANAGEMENT,))) == EventSelectorSummary(
        True, True, (), "advanced"
    )
