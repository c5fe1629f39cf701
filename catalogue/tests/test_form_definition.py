import pytest
from django.core.exceptions import ValidationError

from catalogue.form_definition import form_data_clean, form_definition_problems

FORM = [
    {"name": "members", "label": "家庭人口", "type": "number", "required": True, "min": 1, "max": 20},
    {"name": "moved_in", "label": "迁入日期", "type": "date"},
    {"name": "reason", "label": "申请事由", "type": "choice", "choices": ["因病", "因残"], "required": True},
    {"name": "needs", "label": "需求", "type": "multi_choice", "choices": ["助餐", "助浴"]},
    {"name": "spouse_id", "label": "配偶身份证号", "type": "id_number"},
    {"name": "phone", "label": "电话", "type": "text", "pattern": r"1[3-9]\d{9}", "max_length": 11},
]


def test_a_sound_definition_has_no_problems() -> None:
    assert form_definition_problems(FORM) == []


def test_each_kind_of_broken_definition_is_named() -> None:
    broken = [
        {"name": "a", "label": "A", "type": "text"},
        {"name": "a", "label": "A again", "type": "text"},
        {"name": "b", "label": "B", "type": "choice", "choices": []},
        {"name": "c", "label": "C", "type": "rainbow"},
        {"name": "d", "label": "D", "type": "text", "pattern": "("},
        {"name": "e", "type": "text"},
        "not a field",
    ]
    assert len(form_definition_problems(broken)) == 6
    assert form_definition_problems({"not": "a list"}) != []


def test_valid_data_is_cleaned_and_unknown_keys_dropped() -> None:
    cleaned = form_data_clean(
        FORM, {"members": "3", "reason": "因病", "needs": ["助餐", "助餐"], "phone": "13800001111", "smuggled": "x"}
    )
    assert cleaned == {"members": 3, "reason": "因病", "needs": ["助餐"], "phone": "13800001111"}


def test_every_bad_value_is_reported_by_field() -> None:
    with pytest.raises(ValidationError) as exc:
        form_data_clean(
            FORM,
            {
                "members": "0",
                "moved_in": "2026-02-30",
                "reason": "因懒",
                "needs": ["理发"],
                "spouse_id": "123",
                "phone": "12",
            },
        )
    assert set(exc.value.error_dict) == {"members", "moved_in", "reason", "needs", "spouse_id", "phone"}
    with pytest.raises(ValidationError) as missing:
        form_data_clean(FORM, {})
    assert set(missing.value.error_dict) == {"members", "reason"}
