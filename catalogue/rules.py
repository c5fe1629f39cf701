"""Decision rules as data, for instant items (即办, 不见面马上办): approve, or refer to a person.

An instant item's version carries its rules in `decision_rules`::

    {"all": [CONDITION | GROUP, ...], "otherwise": "refer"}
    CONDITION = {"fact": "resident.age", "op": ">=", "value": 80, "label": "年满80周岁", "label_en": "Aged 80 or over"}
    GROUP     = {"any": [CONDITION, ...], "label": "…", "label_en": "…"}      # one level, no deeper

Every entry of "all" must pass to approve; a group passes when one of its conditions does. Anything
else (a failed condition, a fact the platform could not supply, data of an unexpected type) refers
the application to a person, with the labels of what failed as the reasons. A rule never rejects:
only a person may refuse, and "otherwise" can therefore only be "refer". `{}` means no rules.

Facts are named from a fixed vocabulary (`FACTS`): the resident's record, the shared registry, his
e-licences (`licence.<kind code>`), his earlier cases and the application form (`form.<field>`).
Operators: `==` `!=` `>=` `<=` `>` `<`, `in` (the value is a list; for a multi-choice form field,
every chosen value must be in it), `is_true`, `is_false` and `exists` (these three take no value).
Nothing is evaluated as code: a rule is compared, never run.
"""

import datetime as dt
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from licences.models import LicenceKind

OPS = ("==", "!=", ">=", "<=", ">", "<", "in", "is_true", "is_false", "exists")
_ORDERING = (">=", "<=", ">", "<")
_WITHOUT_VALUE = ("is_true", "is_false", "exists")
_CONDITION_KEYS = frozenset({"fact", "op", "value", "label", "label_en"})
_GROUP_KEYS = frozenset({"any", "label", "label_en"})

# Which operators make sense for each type of fact.
_OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "int": ("==", "!=", *_ORDERING, "in", "exists"),
    "number": ("==", "!=", *_ORDERING, "in", "exists"),
    "date": ("==", "!=", *_ORDERING, "in", "exists"),
    "str": ("==", "!=", "in", "exists"),
    "bool": ("==", "!=", "is_true", "is_false", "exists"),
    "list": ("in", "exists"),
}
# A form field's type → the type of the fact `form.<field>`.
_FORM_FACT_TYPES = {"number": "number", "date": "date", "multi_choice": "list"}


@dataclass(frozen=True)
class Fact:
    """What a fact means and what its values look like. `type` is one of the keys of _OPS_BY_TYPE,
    or "form" for `form.<field>`, whose type is the field's."""

    type: str
    description: str
    description_en: str
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None


LICENCE_PREFIX = "licence."
FORM_PREFIX = "form."

FACTS: dict[str, Fact] = {
    "resident.age": Fact("int", "年龄（周岁，按身份证号）", "Age in years, from the citizen ID number", min=0, max=150),
    "resident.sex": Fact("str", "性别", "Sex", choices=("male", "female")),
    "resident.in_city": Fact("bool", "登记的居住社区在本事项所属城市", "His home community is in the item's city"),
    "disability.category": Fact("str", "残疾类别", "Category of disability"),
    "disability.grade": Fact("int", "残疾等级（一至四级）", "Grade of disability (1 to 4)", min=1, max=4),
    "minimum_allowance.receiving": Fact("bool", "正在享受最低生活保障", "Receives the minimum living allowance"),
    "pension_insurance.status": Fact(
        "str", "养老保险状态：参保、领取待遇、未参保", "Pension insurance: insured, receiving, none",
        choices=("insured", "receiving", "none"),
    ),
    "medical_insurance.status": Fact(
        "str", "医疗保险状态：参保、享受待遇、未参保", "Medical insurance: insured, receiving, none",
        choices=("insured", "receiving", "none"),
    ),
    "veteran.status": Fact("bool", "退役军人", "Is a veteran"),
    "employment.status": Fact(
        "str", "就业状态：就业、失业、灵活就业、退休", "Employment: employed, unemployed, flexible, retired",
        choices=("employed", "unemployed", "flexible", "retired"),
    ),
    "licence.<kind_code>": Fact("bool", "持有该类有效电子证照", "Holds a valid e-licence of that kind"),
    "case.already_approved": Fact("bool", "本事项已有获批的申请", "An earlier application for this item was approved"),
    "form.<field_name>": Fact("form", "申请表中该栏的填写内容", "What the applicant entered in that form field"),
}  # fmt: skip


@dataclass(frozen=True)
class FactValue:
    """A fact about the applicant and where it came from ("身份证号码", "雁塔区残疾人联合会 · 2026-03-01")."""

    value: Any
    source: str


@dataclass(frozen=True)
class Check:
    """One condition, evaluated. A group's check holds its conditions' checks in `any_of`."""

    label: str
    fact: str
    expected: str
    actual: Any
    source: str | None
    passed: bool
    any_of: tuple["Check", ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "fact": self.fact,
            "expected": self.expected,
            "actual": _jsonable(self.actual),
            "source": self.source,
            "passed": self.passed,
        }
        if self.any_of:
            data["any_of"] = [check.as_dict() for check in self.any_of]
        return data


@dataclass(frozen=True)
class Decision:
    outcome: Literal["approve", "refer"]
    checks: list[Check] = field(default_factory=list)

    def explanation(self) -> list[dict[str, Any]]:
        """Every check, JSON-able, to store on the case: what was compared, with what, from where."""
        return [check.as_dict() for check in self.checks]

    def reasons(self) -> list[str]:
        """Why the application goes to a person: the labels of the checks that did not pass."""
        return [check.label for check in self.checks if not check.passed]


# --- validation ------------------------------------------------------------------------------------


def rules_problems(rules: Any, *, form_definition: list[dict[str, Any]]) -> list[str]:
    """Everything wrong with a rule set, in words an editor understands; [] when it is sound.

    `form_definition` is the version's form, which `form.<field>` facts refer to. Licence kinds are
    looked up in the database (one query). `{}` is refused here like any empty rule set; a version
    whose rules are `{}` has none, and `version_problems` does not call this for it.
    """
    if not isinstance(rules, dict):
        return [_('The decision rules must be an object like {"all": [...], "otherwise": "refer"}.')]
    problems: list[str] = []
    unknown = sorted(set(rules) - {"all", "otherwise"})
    if unknown:
        problems.append(_("The decision rules have unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)})
    if rules.get("otherwise", "refer") != "refer":
        problems.append(_('"otherwise" can only be "refer": an application the rules do not approve goes to a person.'))
    conditions = rules.get("all")
    if not isinstance(conditions, list):
        return [*problems, _('The decision rules need a list of conditions under "all".')]
    if not conditions:
        return [*problems, _("The decision rules have no conditions: an empty rule set would approve everyone.")]
    checker = _Checker(form_definition)
    for position, entry in enumerate(conditions, start=1):
        if isinstance(entry, dict) and "any" in entry:
            checker.group(str(position), entry)
        else:
            checker.condition(str(position), entry)
    return problems + checker.problems + checker.licence_problems()


class _Checker:
    def __init__(self, form_definition: Any) -> None:
        self.problems: list[str] = []
        self.fields: dict[str, dict[str, Any]] = {}
        for form_field in form_definition if isinstance(form_definition, list) else []:
            if isinstance(form_field, dict) and isinstance(form_field.get("name"), str):
                self.fields[form_field["name"]] = form_field
        self.licence_codes: dict[str, str] = {}  # code → position of its first condition

    def group(self, position: str, group: dict[str, Any]) -> None:
        where = _("Group %(n)s") % {"n": position}
        self._keys_and_label(where, group, _GROUP_KEYS)
        members = group["any"]
        if not isinstance(members, list) or not members:
            self.problems.append(_('%(where)s needs a list of conditions under "any".') % {"where": where})
            return
        for number, member in enumerate(members, start=1):
            if isinstance(member, dict) and "any" in member:
                self.problems.append(_("%(where)s contains another group; groups cannot be nested.") % {"where": where})
            else:
                self.condition(f"{position}.{number}", member)

    def condition(self, position: str, condition: Any) -> None:
        if not isinstance(condition, dict):
            self.problems.append(_("Condition %(n)s is not an object.") % {"n": position})
            return
        where = _("Condition %(n)s (%(condition)s)") % {"n": position, "condition": describe(condition)}
        self._keys_and_label(where, condition, _CONDITION_KEYS)
        name, op = condition.get("fact"), condition.get("op")
        spec = self._fact(where, name)
        if op not in OPS:
            self.problems.append(
                _("%(where)s: %(op)s is not an operator; use one of %(ops)s.")
                % {"where": where, "op": _show(op), "ops": " ".join(OPS)}
            )
            return
        if op in _WITHOUT_VALUE:
            if "value" in condition:
                self.problems.append(_("%(where)s: %(op)s takes no value; remove it.") % {"where": where, "op": op})
        elif "value" not in condition:
            self.problems.append(_("%(where)s: %(op)s needs a value.") % {"where": where, "op": op})
            return
        if spec is None:
            return
        kind = spec["type"]
        if op not in _OPS_BY_TYPE[kind]:
            words = {
                "where": where,
                "op": op,
                "fact": name,
                "kind": _type_words(kind),
                "ops": " ".join(_OPS_BY_TYPE[kind]),
            }
            self.problems.append(
                _("%(where)s: %(op)s cannot be used with %(fact)s, which is %(kind)s; use one of %(ops)s.") % words
            )
            return
        if op in _WITHOUT_VALUE:
            return
        value = condition["value"]
        if op == "in":
            if not isinstance(value, list) or not value:
                self.problems.append(
                    _('%(where)s: "in" needs a non-empty list of values, like ["a", "b"].') % {"where": where}
                )
                return
            for item in value:
                self._value(where, str(name), spec, "list" if kind == "list" else kind, item)
        elif kind == "list":  # no other operator with a value applies to a list
            return
        else:
            self._value(where, str(name), spec, kind, value)

    def _keys_and_label(self, where: str, entry: dict[str, Any], allowed: frozenset[str]) -> None:
        unknown = sorted(set(entry) - allowed)
        if unknown:
            self.problems.append(
                _("%(where)s has unknown keys: %(keys)s.") % {"where": where, "keys": ", ".join(unknown)}
            )
        if not isinstance(entry.get("label"), str) or not entry["label"].strip():
            self.problems.append(_("%(where)s needs a label: the words shown when it is not met.") % {"where": where})
        if not isinstance(entry.get("label_en", ""), str):
            self.problems.append(_("%(where)s: label_en must be text.") % {"where": where})

    def _fact(self, where: str, name: Any) -> dict[str, Any] | None:
        """The fact's type, choices and range; None (with a problem) when there is no such fact."""
        if not isinstance(name, str) or not name:
            self.problems.append(_("%(where)s needs a fact.") % {"where": where})
            return None
        if name.startswith(FORM_PREFIX):
            form_field = self.fields.get(name.removeprefix(FORM_PREFIX))
            if form_field is None:
                self.problems.append(
                    _("%(where)s: the form has no field called %(name)s.")
                    % {"where": where, "name": name.removeprefix(FORM_PREFIX)}
                )
                return None
            choices = form_field.get("choices")
            return {
                "type": _FORM_FACT_TYPES.get(str(form_field.get("type")), "str"),
                "choices": tuple(choices) if form_field.get("type") in ("choice", "multi_choice") and choices else (),
                "min": None,
                "max": None,
            }
        if name.startswith(LICENCE_PREFIX) and len(name) > len(LICENCE_PREFIX):
            self.licence_codes.setdefault(name.removeprefix(LICENCE_PREFIX), where)
            spec = FACTS["licence.<kind_code>"]
        elif name in FACTS and "<" not in name:
            spec = FACTS[name]
        else:
            known = [n for n in FACTS if "<" not in n]
            close = difflib.get_close_matches(name, known, n=1)
            self.problems.append(
                (_("%(where)s: there is no fact called %(fact)s. Did you mean %(close)s?") if close
                 else _("%(where)s: there is no fact called %(fact)s."))
                % {"where": where, "fact": name, "close": close[0] if close else ""}
            )  # fmt: skip
            return None
        return {"type": spec.type, "choices": spec.choices, "min": spec.min, "max": spec.max}

    def _value(self, where: str, name: str, spec: dict[str, Any], kind: str, value: Any) -> None:
        if not _fits(kind, value):
            self.problems.append(
                _("%(where)s: %(fact)s is %(kind)s, so it cannot be compared with %(value)s.")
                % {"where": where, "fact": name, "kind": _type_words(kind), "value": _show(value)}
            )
        elif spec["choices"] and value not in spec["choices"]:
            self.problems.append(
                _("%(where)s: %(value)s is not a value of %(fact)s; it is one of %(choices)s.")
                % {"where": where, "value": _show(value), "fact": name, "choices": ", ".join(spec["choices"])}
            )
        elif (spec["min"] is not None and value < spec["min"]) or (spec["max"] is not None and value > spec["max"]):
            self.problems.append(
                _("%(where)s: %(value)s is outside the range of %(fact)s (%(min)s to %(max)s).")
                % {"where": where, "value": _show(value), "fact": name, "min": spec["min"], "max": spec["max"]}
            )

    def licence_problems(self) -> list[str]:
        if not self.licence_codes:
            return []
        known = set(LicenceKind.objects.filter(code__in=self.licence_codes).values_list("code", flat=True))
        return [
            _("%(where)s: there is no e-licence kind %(code)s.") % {"where": where, "code": code}
            for code, where in self.licence_codes.items()
            if code not in known
        ]


def _fits(kind: str, value: Any) -> bool:
    """Whether a literal in a rule has the type of a fact of this kind."""
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "date":
        return isinstance(value, str) and _date(value) is not None
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, str)  # str, and each element of a list fact's "in"


def _type_words(kind: str) -> str:
    return {
        "int": _("a whole number"),
        "number": _("a number"),
        "date": _("a date (YYYY-MM-DD)"),
        "str": _("text"),
        "bool": _("yes or no"),
        "list": _("a list of choices"),
    }.get(kind, kind)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if _is_json(value) else repr(value)


def describe(condition: Mapping[str, Any]) -> str:
    """A condition in one line, for editors and the explanation: `resident.age >= 80`."""
    text = f"{condition.get('fact', '?')} {condition.get('op', '?')}"
    return f"{text} {_show(condition['value'])}" if "value" in condition else text


# --- evaluation ------------------------------------------------------------------------------------


def rules_evaluate(rules: dict[str, Any], facts: Mapping[str, FactValue]) -> Decision:
    """Compare the applicant's facts with the rules: approve when every entry of "all" passes.

    A missing fact, or one whose value is not of the type the rule expects (the registry changed
    shape), is a failed check, never an exception: the application goes to a person who can look.
    """
    entries = rules.get("all") if isinstance(rules, dict) else None
    checks = [_check_entry(entry, facts) for entry in entries] if isinstance(entries, list) else []
    approve = bool(checks) and all(check.passed for check in checks)
    return Decision(outcome="approve" if approve else "refer", checks=checks)


def _label(entry: Mapping[str, Any]) -> str:
    if (get_language() or "").startswith("en") and entry.get("label_en"):
        return str(entry["label_en"])
    return str(entry.get("label") or describe(entry))


def _check_entry(entry: Any, facts: Mapping[str, FactValue]) -> Check:
    if not isinstance(entry, dict):
        return Check(_("A malformed condition"), "", "", None, None, passed=False)
    if "any" not in entry:
        return _check_condition(entry, facts)
    members = entry["any"] if isinstance(entry["any"], list) else []
    member_checks = tuple(_check_entry(member, facts) for member in members)
    passing = next((check for check in member_checks if check.passed), None)
    return Check(
        label=_label(entry) if entry.get("label") else " / ".join(check.label for check in member_checks),
        fact=" | ".join(check.fact for check in member_checks),
        expected="any",
        actual=passing.actual if passing else None,
        source=passing.source if passing else None,
        passed=passing is not None,
        any_of=member_checks,
    )


def _check_condition(condition: Mapping[str, Any], facts: Mapping[str, FactValue]) -> Check:
    name, op = str(condition.get("fact", "")), condition.get("op")
    expected = describe(condition).removeprefix(f"{name} ")
    label = _label(condition)
    fact = facts.get(name)
    if fact is None or fact.value is None:
        return Check(
            _("%(label)s (the data was not available)") % {"label": label}, name, expected, None, None, passed=False
        )
    outcome = _compare(op, condition.get("value"), fact.value)
    if outcome is None:
        label = _("%(label)s (the data on record could not be compared)") % {"label": label}
    return Check(label, name, expected, _jsonable(fact.value), fact.source, passed=bool(outcome))


def _compare(op: Any, expected: Any, actual: Any) -> bool | None:
    """Whether `actual op expected` holds; None when the two cannot be compared."""
    if isinstance(actual, dt.date):
        actual = actual.isoformat()
    if op == "exists":
        return actual not in ("", [], {})
    if op in ("is_true", "is_false"):
        return (actual is (op == "is_true")) if isinstance(actual, bool) else None
    if op in ("==", "!="):
        if not _same_kind(actual, expected):
            return None
        return (actual == expected) is (op == "==")
    if op in _ORDERING:
        return _order(op, expected, actual)
    if op == "in" and isinstance(expected, list):
        values = actual if isinstance(actual, list) else [actual]
        if not all(any(_same_kind(value, option) for option in expected) for value in values):
            return None
        return all(any(_same_kind(value, option) and value == option for option in expected) for value in values)
    return None


def _order(op: str, expected: Any, actual: Any) -> bool | None:
    if _same_kind(actual, expected) and _is_number(actual):
        left, right = actual, expected
    elif isinstance(expected, str) and isinstance(actual, str):
        left, right = _date(actual), _date(expected)
        if left is None or right is None:
            return None
    else:
        return None
    return {">=": left >= right, "<=": left <= right, ">": left > right, "<": left < right}[op]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if _is_number(a) or _is_number(b):
        return _is_number(a) and _is_number(b)
    return type(a) is type(b) and isinstance(a, str | list)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_json(item) for key, item in value.items())
    return False


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if _is_json(value) else str(value)
