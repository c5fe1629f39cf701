"""Decision rules as data: what an editor may write, how the rules decide, and where they are refused."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from catalogue.demo import DEFAULT_CATALOGUE_FILE, read_catalogue_file
from catalogue.models import ItemKind
from catalogue.rules import FACTS, Decision, FactValue, rules_evaluate, rules_problems
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content
from licences.models import LicenceKind

FORM = [
    {"name": "members", "label": "家庭人口", "type": "number"},
    {"name": "moved_in", "label": "迁入日期", "type": "date"},
    {"name": "reason", "label": "申请事由", "type": "choice", "choices": ["因病", "因残"]},
    {"name": "subsidies", "label": "补贴", "type": "multi_choice", "choices": ["生活补贴", "护理补贴"]},
    {"name": "phone", "label": "电话", "type": "text"},
]

AGED_80 = {"fact": "resident.age", "op": ">=", "value": 80, "label": "年满80周岁", "label_en": "Aged 80 or over"}
IN_CITY = {"fact": "resident.in_city", "op": "is_true", "label": "本市居民", "label_en": "Lives in the city"}
NOT_YET = {"fact": "case.already_approved", "op": "is_false", "label": "尚未获批", "label_en": "Not yet granted"}
ELDERLY_ALLOWANCE = {"all": [AGED_80, IN_CITY, NOT_YET], "otherwise": "refer"}
HARDSHIP = {
    "any": [
        {"fact": "minimum_allowance.receiving", "op": "is_true", "label": "享受低保", "label_en": "Receives allowance"},
        {"fact": "disability.grade", "op": "<=", "value": 2, "label": "一、二级残疾", "label_en": "Grade 1 or 2"},
    ],
    "label": "低保对象或重度残疾",
    "label_en": "On the allowance or severely disabled",
}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def rules_with(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"all": list(conditions), "otherwise": "refer"}


def condition(fact: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    entry = {"fact": fact, "op": op, "label": "说明", **extra}
    if value is not None:
        entry["value"] = value
    return entry


def only_problem(rules: Any) -> str:
    problems = rules_problems(rules, form_definition=FORM)
    assert len(problems) == 1, problems
    return problems[0]


def facts(**values: Any) -> dict[str, FactValue]:
    return {name.replace("__", "."): FactValue(value, "测试来源") for name, value in values.items()}


# --- validation ------------------------------------------------------------------------------------


def test_sound_rules_over_every_kind_of_fact_have_no_problems(db: None) -> None:
    LicenceKind.objects.create(code="disability_certificate", name="残疾人证")
    rules = rules_with(
        AGED_80,
        IN_CITY,
        NOT_YET,
        HARDSHIP,
        condition("resident.sex", "in", ["male", "female"]),
        condition("employment.status", "!=", "retired"),
        condition("licence.disability_certificate", "is_true"),
        condition("form.members", "<", 5.5),
        condition("form.moved_in", "<=", "2026-03-01"),
        condition("form.reason", "==", "因病"),
        condition("form.subsidies", "in", ["护理补贴"]),
        condition("form.phone", "exists"),
    )

    assert rules_problems(rules, form_definition=FORM) == []


def test_the_vocabulary_has_exactly_the_agreed_facts() -> None:
    assert set(FACTS) == {
        "resident.age", "resident.sex", "resident.in_city", "disability.category", "disability.grade",
        "minimum_allowance.receiving", "pension_insurance.status", "medical_insurance.status", "veteran.status",
        "employment.status", "licence.<kind_code>", "case.already_approved", "form.<field_name>",
    }  # fmt: skip


def test_an_unknown_fact_is_named_with_a_suggestion() -> None:
    problem = only_problem(rules_with(condition("resident.agee", ">=", 80)))

    assert "no fact called resident.agee" in problem
    assert "Did you mean resident.age?" in problem


def test_an_unknown_operator_lists_the_operators() -> None:
    problem = only_problem(rules_with(condition("resident.age", "=>", 80)))

    assert '"=>" is not an operator' in problem
    assert ">=" in problem


def test_a_word_where_a_number_belongs_is_refused() -> None:
    problem = only_problem(rules_with(condition("resident.age", ">=", "eighty")))

    assert problem == (
        'Condition 1 (resident.age >= "eighty"): '
        'resident.age is a whole number, so it cannot be compared with "eighty".'
    )


def test_in_without_a_list_is_refused() -> None:
    problem = only_problem(rules_with(condition("disability.grade", "in", "x")))

    assert '"in" needs a non-empty list of values' in problem


def test_in_with_a_list_of_the_wrong_type_is_refused() -> None:
    problem = only_problem(rules_with(condition("disability.grade", "in", [1, "two"])))

    assert 'cannot be compared with "two"' in problem


def test_an_operator_that_does_not_suit_the_fact_is_refused() -> None:
    assert "cannot be used with resident.sex, which is text" in only_problem(
        rules_with(condition("resident.sex", ">=", "male"))
    )
    assert "cannot be used with veteran.status, which is yes or no" in only_problem(
        rules_with(condition("veteran.status", ">", True))
    )


def test_a_value_the_fact_never_takes_is_refused() -> None:
    problem = only_problem(rules_with(condition("employment.status", "==", "jobless")))

    assert '"jobless" is not a value of employment.status; it is one of employed, unemployed' in problem


def test_a_grade_outside_one_to_four_is_refused() -> None:
    assert "outside the range of disability.grade (1 to 4)" in only_problem(
        rules_with(condition("disability.grade", "<=", 5))
    )


def test_a_missing_or_superfluous_value_is_named() -> None:
    assert ">= needs a value" in only_problem(rules_with(condition("resident.age", ">=")))
    assert "is_true takes no value" in only_problem(rules_with(condition("veteran.status", "is_true", False)))


def test_an_unknown_form_field_is_named() -> None:
    assert "the form has no field called income" in only_problem(rules_with(condition("form.income", ">", 0)))


def test_form_facts_take_the_type_and_choices_of_their_field() -> None:
    assert "form.members is a number" in only_problem(rules_with(condition("form.members", ">=", "three")))
    assert "form.moved_in is a date" in only_problem(rules_with(condition("form.moved_in", ">", "2026-02-30")))
    assert '"因懒" is not a value of form.reason' in only_problem(rules_with(condition("form.reason", "==", "因懒")))
    assert '"理发" is not a value of form.subsidies' in only_problem(
        rules_with(condition("form.subsidies", "in", ["理发"]))
    )


def test_an_unknown_licence_kind_is_named(db: None) -> None:
    LicenceKind.objects.create(code="disability_certificate", name="残疾人证")

    problem = only_problem(rules_with(condition("licence.disability_certifcate", "is_true")))

    assert "there is no e-licence kind disability_certifcate" in problem


def test_an_empty_rule_set_is_refused() -> None:
    assert "no conditions" in only_problem({"all": [], "otherwise": "refer"})
    assert 'a list of conditions under "all"' in only_problem({"otherwise": "refer"})


def test_otherwise_can_only_refer() -> None:
    assert '"otherwise" can only be "refer"' in only_problem({"all": [AGED_80], "otherwise": "approve"})


def test_rules_that_are_not_an_object_are_refused() -> None:
    assert "must be an object" in only_problem([AGED_80])


def test_a_condition_needs_a_label_and_known_keys() -> None:
    problems = rules_problems(rules_with({"fact": "resident.age", "op": ">=", "vaule": 80}), form_definition=FORM)

    assert any("unknown keys: vaule" in p for p in problems)
    assert any("needs a label" in p for p in problems)


def test_groups_need_conditions_and_cannot_be_nested() -> None:
    assert 'Group 1 needs a list of conditions under "any"' in only_problem(rules_with({"any": [], "label": "或"}))
    nested = {"any": [AGED_80, HARDSHIP], "label": "或"}
    assert "groups cannot be nested" in only_problem(rules_with(nested))


def test_a_problem_inside_a_group_names_its_position() -> None:
    group = {"any": [AGED_80, condition("resident.age", ">=", "old")], "label": "或"}

    assert only_problem(rules_with(IN_CITY, group)).startswith("Condition 2.2 (")


# --- evaluation ------------------------------------------------------------------------------------


def test_all_conditions_met_approves_with_an_explanation_of_every_check() -> None:
    decision = rules_evaluate(
        ELDERLY_ALLOWANCE,
        {
            "resident.age": FactValue(83, "身份证号码"),
            "resident.in_city": FactValue(True, "登记的居住社区"),
            "case.already_approved": FactValue(False, "既往申请"),
        },
    )

    assert decision.outcome == "approve"
    assert decision.reasons() == []
    first = decision.explanation()[0]
    assert first == {
        "label": "Aged 80 or over",
        "fact": "resident.age",
        "expected": ">= 80",
        "actual": 83,
        "source": "身份证号码",
        "passed": True,
    }
    assert json.loads(json.dumps(decision.explanation())) == decision.explanation()


def test_labels_follow_the_language() -> None:
    with translation.override("zh-hans"):
        decision = rules_evaluate(ELDERLY_ALLOWANCE, facts(resident__age=70, resident__in_city=True))

    assert decision.reasons()[0] == "年满80周岁"


def test_a_failed_condition_refers_with_its_label_as_the_reason() -> None:
    decision = rules_evaluate(
        ELDERLY_ALLOWANCE, facts(resident__age=79, resident__in_city=True, case__already_approved=False)
    )

    assert decision.outcome == "refer"
    assert decision.reasons() == ["Aged 80 or over"]
    assert (decision.checks[0].actual, decision.checks[0].passed) == (79, False)


def test_a_missing_fact_refers_and_says_the_data_was_not_available() -> None:
    decision = rules_evaluate(ELDERLY_ALLOWANCE, facts(resident__age=85, resident__in_city=True))

    check = decision.checks[2]
    assert decision.outcome == "refer"
    assert (check.passed, check.actual, check.source) == (False, None, None)
    assert check.label == "Not yet granted (the data was not available)"
    assert decision.reasons() == [check.label]


def test_a_fact_recorded_as_none_counts_as_missing() -> None:
    decision = rules_evaluate(rules_with(AGED_80), facts(resident__age=None))

    assert decision.outcome == "refer"
    assert "not available" in decision.reasons()[0]


def test_an_any_group_passes_when_one_of_its_conditions_does() -> None:
    rules = rules_with(HARDSHIP)

    by_grade = rules_evaluate(rules, facts(minimum_allowance__receiving=False, disability__grade=1))
    by_allowance = rules_evaluate(rules, facts(minimum_allowance__receiving=True))
    neither = rules_evaluate(rules, facts(minimum_allowance__receiving=False, disability__grade=3))

    assert (by_grade.outcome, by_allowance.outcome, neither.outcome) == ("approve", "approve", "refer")
    assert by_grade.checks[0].actual == 1
    assert neither.reasons() == ["On the allowance or severely disabled"]
    members = neither.explanation()[0]["any_of"]
    assert [(m["fact"], m["actual"], m["passed"]) for m in members] == [
        ("minimum_allowance.receiving", False, False),
        ("disability.grade", 3, False),
    ]


def test_in_matches_a_value_and_a_multi_choice_must_lie_within_the_list() -> None:
    status = rules_with(condition("employment.status", "in", ["unemployed", "flexible"]))
    claim = rules_with(condition("form.subsidies", "in", ["护理补贴"]))

    assert rules_evaluate(status, facts(employment__status="flexible")).outcome == "approve"
    assert rules_evaluate(status, facts(employment__status="employed")).outcome == "refer"
    assert rules_evaluate(claim, facts(form__subsidies=["护理补贴"])).outcome == "approve"
    assert rules_evaluate(claim, facts(form__subsidies=["护理补贴", "生活补贴"])).outcome == "refer"


def test_dates_from_the_form_compare_as_dates() -> None:
    rules = rules_with(condition("form.moved_in", "<=", "2026-03-01"))

    assert rules_evaluate(rules, facts(form__moved_in="2025-12-31")).outcome == "approve"
    assert rules_evaluate(rules, facts(form__moved_in="2026-03-02")).outcome == "refer"


def test_exists_wants_a_value_that_is_not_empty() -> None:
    rules = rules_with(condition("form.phone", "exists"))

    assert rules_evaluate(rules, facts(form__phone="13800001111")).outcome == "approve"
    assert rules_evaluate(rules, facts(form__phone="")).outcome == "refer"


@pytest.mark.parametrize(
    ("rule", "drifted"),
    [
        (AGED_80, "81"),  # a number arriving as text
        (IN_CITY, 1),  # a flag arriving as a number
        (condition("employment.status", "==", "unemployed"), ["unemployed"]),
        (condition("disability.grade", "in", [1, 2]), "二级"),
        (condition("form.moved_in", ">=", "2026-01-01"), "last spring"),
        (condition("resident.age", "!=", 80), True),
    ],
)
def test_data_of_an_unexpected_type_fails_the_check_instead_of_raising(rule: dict[str, Any], drifted: Any) -> None:
    decision = rules_evaluate(rules_with(rule), {rule["fact"]: FactValue(drifted, "共享数据")})

    assert decision.outcome == "refer"
    check = decision.checks[0]
    assert (check.passed, check.source) == (False, "共享数据")
    assert "could not be compared" in check.label
    json.dumps(decision.explanation())


def test_no_rules_never_approve() -> None:
    assert rules_evaluate({}, facts(resident__age=90)) == Decision(outcome="refer", checks=[])


# --- publishing ------------------------------------------------------------------------------------


def instant_content(**overrides: Any) -> dict[str, Any]:
    fields = {"kind": ItemKind.INSTANT, "statutory_days": 5, "promised_days": 0, "decision_rules": ELDERLY_ALLOWANCE}
    return guide_content(**{**fields, **overrides})


def publish_problems(world: Any, editor: Any, content: dict[str, Any]) -> list[ValidationError]:
    item = item_create(
        actor=editor,
        city=world.city,
        code="CA-005",
        department_kind="civil_affairs",
        handling_level="district",
        content=content,
    )
    with pytest.raises(ValidationError) as exc:
        item_publish(actor=editor, version=item.versions.get())
    return exc.value.error_list


def test_an_instant_item_with_sound_rules_is_published(world: Any, editors: dict[str, Any]) -> None:
    item = item_create(
        actor=editors["civil"],
        city=world.city,
        code="CA-005",
        department_kind="civil_affairs",
        handling_level="district",
        content=instant_content(),
    )

    version = item_publish(actor=editors["civil"], version=item.versions.get())

    assert version.decision_rules == ELDERLY_ALLOWANCE


def test_rules_on_a_promise_item_are_refused(world: Any, editors: dict[str, Any]) -> None:
    problems = publish_problems(world, editors["civil"], guide_content(decision_rules=ELDERLY_ALLOWANCE))

    assert [p.code for p in problems] == ["decision_rules_not_instant"]
    assert "Only an instant item is decided by rules" in problems[0].message


def test_publishing_with_bad_rules_is_refused(world: Any, editors: dict[str, Any]) -> None:
    bad = rules_with(condition("resident.age", ">=", "eighty"), condition("form.income", ">", 0))

    problems = publish_problems(world, editors["civil"], instant_content(decision_rules=bad))

    assert [p.code for p in problems] == ["decision_rules", "decision_rules"]
    assert "cannot be compared with" in problems[0].message
    assert "no field called income" in problems[1].message


def test_the_demo_catalogue_rules_are_sound_and_on_instant_items_only(db: None) -> None:
    data = read_catalogue_file(DEFAULT_CATALOGUE_FILE)
    LicenceKind.objects.bulk_create(LicenceKind(code=row["code"], name=row["name"]) for row in data["licence_kinds"])
    with_rules = [row for row in data["items"] if row["content"].get("decision_rules")]

    assert len(with_rules) >= 5
    assert any("any" in entry for row in with_rules for entry in row["content"]["decision_rules"]["all"])
    for row in with_rules:
        content = row["content"]
        assert content["kind"] == ItemKind.INSTANT, row["code"]
        assert rules_problems(content["decision_rules"], form_definition=content["form_definition"]) == [], row["code"]
