"""A trail's ``EventSelectors`` and ``AdvancedEventSelectors`` in the neutral terms of
:mod:`policy_lint.inventory.cloudtrail`, which Terraform and live fill too, so OB201 judges one
shape whatever the source."""

from __future__ import annotations

from policy_lint.inventory.cloudtrail import (
    API_OPERATORS,
    AdvancedSelector,
    BasicSelector,
    EventSelectors,
    FieldSelector,
)
from policy_lint.inventory.model import Unknown
from policy_lint.sources.cloudformation.values import boolean, given, list_items, literal_text, literal_texts
from policy_lint.syntax.nodes import Node, ObjectNode


def event_selectors(basic: Node | None, advanced: Node | None) -> EventSelectors:
    """``EventSelectors`` and ``AdvancedEventSelectors`` in the inventory's terms
    (inventory.cloudtrail.summarize judges them)."""
    basic_items, advanced_items = list_items(basic), list_items(advanced)
    return EventSelectors(
        Unknown(f"EventSelectors: {basic_items.reason}")
        if isinstance(basic_items, Unknown)
        else tuple(map(_basic_selector, basic_items)),
        Unknown(f"AdvancedEventSelectors: {advanced_items.reason}")
        if isinstance(advanced_items, Unknown)
        else tuple(map(_advanced_selector, advanced_items)),
    )


def _basic_selector(item: Node) -> BasicSelector:
    if not isinstance(item, ObjectNode):
        return BasicSelector(Unknown(f"an event selector is {item.described}"))
    return BasicSelector(
        boolean(item.get("IncludeManagementEvents"), True, "IncludeManagementEvents"),
        given(literal_text(item.get("ReadWriteType"), "ReadWriteType"), "All"),
        literal_texts(item.get("ExcludeManagementEventSources"), "ExcludeManagementEventSources"),
    )


def _advanced_selector(item: Node) -> AdvancedSelector:
    if not isinstance(item, ObjectNode):
        return AdvancedSelector(Unknown(f"an advanced event selector is {item.described}"))
    fields = list_items(item.get("FieldSelectors"))
    if isinstance(fields, Unknown):
        return AdvancedSelector(Unknown(f"FieldSelectors: {fields.reason}"))
    selectors = []
    for field_item in fields:
        if not isinstance(field_item, ObjectNode):
            selectors.append(FieldSelector(Unknown(f"a field selector is {field_item.described}")))
            continue
        name = literal_text(field_item.get("Field"), "Field")
        values = {op: literal_texts(field_item.get(key), key) for key, op in API_OPERATORS.items()}
        selectors.append(
            FieldSelector(Unknown("a field selector has no Field") if name is None else name, **values)
        )
    return AdvancedSelector(tuple(selectors))
