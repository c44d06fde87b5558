"""The shared names (core.vocabulary): every code has its label, and the labels are those of
DOMAIN.md and of the official report forms."""

from core import vocabulary as v


def test_every_group_field_level_and_kind_has_a_label():
    assert set(v.GROUP_LABELS) == {*v.GROUPS, v.ALL_GROUPS}
    assert set(v.FIELD_LABELS) == {*v.PROGRESS_FIELDS, *v.QUOTA_FIELDS}
    assert set(v.COUNT_FIELDS) <= set(v.PROGRESS_FIELDS)
    assert set(v.FIELD_LABELS) >= v.PERCENT_FIELDS
    assert set(v.LEVEL_NAMES) == set(v.LEVEL_TITLES) == set(v.CODE_WIDTH) == set(v.LEVELS)
    assert set(v.KINDS) <= set(v.KIND_LABELS)


def test_the_poor_households_group_is_worded_as_the_forms_word_it():
    assert v.GROUP_LABELS["ngheo"] == "Hộ nghèo, hộ cận nghèo"
