"""Demo data: one city's organisations, staff and synthetic residents, loaded from a JSON file.

The file holds all the data (``core/demo/xian.json`` is the first city); this module knows only the
file's shape, so a second city is a second file, not new code. Shape::

    {"city": {code, name, name_en, case_prefix, departments: [DEPT]},
     "districts": [{code, name, name_en, departments: [DEPT],
                    subdistricts: [{code, name, communities: [{code, name}],
                                    centre: {code, name, address, phone, opening_hours,
                                             counters: [{number, label}]}}]}],
     "staff": [{username, display_name, role, is_staff?,
                community? | service_centre? | department? | district?}],   # scope by code
     "households": [{key, community, address}],
     "residents": [{id_seed, id_sequence, name, birth_date, sex, community, mobile,
                    household?, relation?, login?}]}
    DEPT = {kind, code, name, name_en, phone}

Loading is idempotent. Every row is found by a natural key (an administrative code, a username,
an ID number, a household's community and address) and written only when a field differs, so a
second run reports nothing created or updated, and re-running after editing the file applies just
the edits. Rows that are no longer in the file are left alone: other data may point at them.

Demo rows bypass the domain services (registration, audit trail). They describe a world that
already exists; an audit trail saying "the loader registered twelve people" would be noise.
"""

import datetime as dt
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models, transaction

from accounts.models import STAFF_ROLES, Role, User
from core.identity import make_citizen_id, parse_citizen_id, validate_mobile
from core.models import City, Community, Counter, Department, District, ServiceCentre, Subdistrict
from residents.models import Household, Relation, Resident, Sex

# The first city's file: the default of `manage.py load_demo_data`. Another city passes --file.
DEFAULT_DEMO_FILE = Path(__file__).resolve().parent / "demo" / "xian.json"


class DemoDataError(Exception):
    """The demo file is malformed or refers to something it does not define."""


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ModelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, change: Change) -> None:
        if change is Change.CREATED:
            self.created += 1
        elif change is Change.UPDATED:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class DemoLoadSummary:
    """What a load did, per model (class name, in load order)."""

    counts: dict[str, ModelCounts] = field(default_factory=dict)

    def record(self, model: type[models.Model], change: Change) -> None:
        self.counts.setdefault(model.__name__, ModelCounts()).add(change)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    @property
    def total(self) -> int:
        return sum(c.total for c in self.counts.values())


class DemoLogin(NamedTuple):
    login: str
    role: str
    sees: str


def read_demo_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoDataError("no such file") from None
    except json.JSONDecodeError as exc:
        raise DemoDataError(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or "city" not in data:
        raise DemoDataError("no 'city' at the top level")
    return data


@transaction.atomic
def demo_data_load(*, path: Path, password: str, progress: Callable[[str], None] | None = None) -> DemoLoadSummary:
    """Create or update everything in the demo file; a second run changes nothing.

    One transaction, so a broken reference half-way through leaves the database as it was.
    `password` is set only on the accounts this load creates: hashing salts differ on every call,
    so resetting it would make every run an update, and a demo account whose password someone
    changed on purpose keeps it. `progress` receives one line per section as it completes.
    """
    loader = _Loader(password=password, progress=progress or _ignore)
    loader.load(read_demo_file(path))
    return loader.summary


def demo_citizen_id(*, region_code: str, birth_date: dt.date, sex: str, sequence: int, seed: str) -> str:
    """A synthetic, checksum-valid ID number that is the same on every run for the same person.

    A string seed is hashed by `random.Random` itself (not with Python's per-process hash), so
    the number survives restarts and machines; that is what lets the ID number be a natural key.
    """
    return make_citizen_id(
        region_code=region_code,
        birth_date=birth_date,
        sex=sex,
        sequence=sequence,
        rng=random.Random(seed),  # noqa: S311  (determinism is the point; nothing secret)
    )


def demo_logins(*, path: Path = DEFAULT_DEMO_FILE) -> list[DemoLogin]:
    """The demo accounts that exist, each with its role and what his scope lets him see.

    The descriptions are built from the loaded rows (the real community, centre, department) and
    follow the scope rules of `residents.selectors.residents_visible_to`. Residents sign in with
    their mobile number, so that is their login.
    """
    data = read_demo_file(path)
    usernames = [str(_field(row, "username")) for row in data.get("staff", [])]
    usernames += [str(_field(row, "mobile")) for row in data.get("residents", []) if row.get("login")]
    users = User.objects.select_related(
        "city",
        "community__subdistrict__district",
        "service_centre__district",
        "department__district",
        "district",
        "resident__community__subdistrict__district",
    ).in_bulk(usernames, field_name="username")
    return [
        DemoLogin(login=name, role=str(users[name].get_role_display()), sees=_scope_description(users[name]))
        for name in usernames
        if name in users
    ]


def _scope_description(user: User) -> str:
    city = user.city.name if user.city else ""
    match user.role:
        case Role.RESIDENT:
            resident = getattr(user, "resident", None)
            where = f" in {resident.community.full_name}" if resident else ""
            return f"only his own record and household{where}"
        case Role.COMMUNITY_WORKER if user.community:
            return f"the residents of {user.community.full_name}"
        case Role.COUNTER_CLERK if user.service_centre:
            centre = user.service_centre
            return f"counters of {centre.name}; residents of {centre.district.name}"
        case Role.REVIEWER | Role.APPROVER if user.department:
            department = user.department
            residents = department.district.name if department.district else f"all of {city}"
            work = "reviews" if user.role == Role.REVIEWER else "decisions"
            return f"{work} for {department.name}; residents of {residents}"
        case Role.DISTRICT_MANAGER if user.district:
            return f"all residents, centres and staff of {user.district.name}"
        case Role.CITY_ADMIN:
            admin = " and the Django admin" if user.is_staff else ""
            return f"everything in {city}{admin}"
        case Role.AUDITOR:
            return f"the audit trail of {city}; no resident records, no administration"
        case Role.CATALOGUE_EDITOR if user.department:
            return f"edits and publishes the service items of {user.department.name} (Django admin); no residents"
    return "nothing: this account has no scope"


def _ignore(line: str) -> None:
    pass


def _field(row: Mapping[str, Any], key: str) -> Any:
    try:
        return row[key]
    except (KeyError, TypeError):
        raise DemoDataError(f"{key!r} is missing in {json.dumps(row, ensure_ascii=False)[:200]}") from None


def _ref[M: models.Model](index: Mapping[str, M], code: str, what: str) -> M:
    try:
        return index[code]
    except KeyError:
        raise DemoDataError(f"unknown {what} {code!r}: it is not defined in the file") from None


def _same(obj: models.Model, name: str, value: Any) -> bool:
    model_field = obj._meta.get_field(name)
    if isinstance(model_field, models.ForeignKey):  # one-to-one fields included
        # Compare keys, not instances: reading the related row would cost a query per field.
        return bool(getattr(obj, model_field.attname) == (value.pk if value is not None else None))
    return bool(getattr(obj, name) == value)


class _Loader:
    """One load: the running summary, the rows already loaded by code, and the current section."""

    def __init__(self, *, password: str, progress: Callable[[str], None]) -> None:
        self.password = password
        self.progress = progress
        self.summary = DemoLoadSummary()
        self.section = ModelCounts()
        self.districts: dict[str, District] = {}
        self.subdistricts: dict[str, Subdistrict] = {}
        self.communities: dict[str, Community] = {}
        self.community_districts: dict[str, District] = {}
        self.centres: dict[str, ServiceCentre] = {}
        self.departments: dict[str, Department] = {}
        self.households: dict[str, Household] = {}
        self.resident_users: dict[str, User] = {}

    def load(self, data: Mapping[str, Any]) -> None:
        districts = list(_field(data, "districts"))
        city = self._city(_field(data, "city"))
        self._done("City")
        for row in districts:
            self._district(city, row)
        self._done("Districts")
        self._departments(city, None, _field(data["city"], "departments"))
        for row in districts:
            self._departments(city, self.districts[row["code"]], _field(row, "departments"))
        self._done("Departments")
        subdistricts = [(self.districts[row["code"]], sub) for row in districts for sub in _field(row, "subdistricts")]
        for district, row in subdistricts:
            self._subdistrict(district, row)
        self._done("Subdistricts")
        for district, row in subdistricts:
            for community in _field(row, "communities"):
                self._community(district, self.subdistricts[row["code"]], community)
        self._done("Communities")
        for district, row in subdistricts:
            self._centre(city, district, self.subdistricts[row["code"]], _field(row, "centre"))
        self._done("Service centres")
        for _district, row in subdistricts:
            centre = self.centres[row["centre"]["code"]]
            for counter in _field(row["centre"], "counters"):
                self._counter(centre, counter)
        self._done("Counters")
        for row in data.get("staff", []):
            self._staff(city, row)
        self._done("Staff accounts")
        for row in data.get("households", []):
            self._household(city, row)
        self._done("Households")
        residents = list(data.get("residents", []))
        for row in residents:
            if row.get("login"):
                self._resident_user(city, row)
        self._done("Resident accounts")
        seen: dict[str, str] = {}
        for row in residents:
            self._resident(city, row, seen)
        self._done("Residents")

    def _done(self, label: str) -> None:
        counts = self.section
        self.progress(
            f"{label:<18}{counts.total:>5}  ({counts.created} created, {counts.updated} updated, "
            f"{counts.unchanged} unchanged; {self.summary.total} rows so far)"
        )
        self.section = ModelCounts()

    def _upsert[M: models.Model](
        self,
        model: type[M],
        lookup: Mapping[str, Any],
        values: Mapping[str, Any],
        *,
        on_create: Callable[[M], None] | None = None,
    ) -> M:
        """update_or_create that compares before it writes, so an unchanged row costs one read."""
        obj = model._default_manager.filter(**lookup).order_by("pk").first()
        if obj is None:
            obj = model(**lookup, **values)
            if on_create is not None:
                on_create(obj)
            changed = None
            change = Change.CREATED
        else:
            changed = [name for name, value in values.items() if not _same(obj, name, value)]
            for name in changed:
                setattr(obj, name, values[name])
            change = Change.UPDATED if changed else Change.UNCHANGED
        if change is not Change.UNCHANGED:
            try:
                obj.full_clean()
            except ValidationError as exc:
                problems = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
                raise DemoDataError(f"{model.__name__} {dict(lookup)}: {problems}") from exc
            obj.save(update_fields=changed)
        self.summary.record(model, change)
        self.section.add(change)
        return obj

    def _city(self, row: Mapping[str, Any]) -> City:
        values = {
            "name": _field(row, "name"),
            "name_en": row.get("name_en", ""),
            "case_prefix": _field(row, "case_prefix"),
        }
        return self._upsert(City, {"code": _field(row, "code")}, values)

    def _district(self, city: City, row: Mapping[str, Any]) -> None:
        values = {"city": city, "name": _field(row, "name"), "name_en": row.get("name_en", "")}
        code = _field(row, "code")
        self.districts[code] = self._upsert(District, {"code": code}, values)

    def _departments(self, city: City, district: District | None, rows: list[Mapping[str, Any]]) -> None:
        level = Department.Level.DISTRICT if district else Department.Level.CITY
        for row in rows:
            kind = _field(row, "kind")
            if kind not in Department.Kind.values:
                raise DemoDataError(f"unknown department kind {kind!r}; use one of {Department.Kind.values}")
            values = {
                "city": city,
                "district": district,
                "level": level,
                "kind": kind,
                "name": _field(row, "name"),
                "name_en": row.get("name_en", ""),
                "phone": row.get("phone", ""),
            }
            code = _field(row, "code")
            self.departments[code] = self._upsert(Department, {"code": code}, values)

    def _subdistrict(self, district: District, row: Mapping[str, Any]) -> None:
        code = _field(row, "code")
        self.subdistricts[code] = self._upsert(
            Subdistrict, {"code": code}, {"district": district, "name": _field(row, "name")}
        )

    def _community(self, district: District, subdistrict: Subdistrict, row: Mapping[str, Any]) -> None:
        code = _field(row, "code")
        self.communities[code] = self._upsert(
            Community, {"code": code}, {"subdistrict": subdistrict, "name": _field(row, "name")}
        )
        self.community_districts[code] = district

    def _centre(self, city: City, district: District, subdistrict: Subdistrict, row: Mapping[str, Any]) -> None:
        values = {
            "city": city,
            "district": district,
            "subdistrict": subdistrict,
            "name": _field(row, "name"),
            "address": _field(row, "address"),
            "phone": row.get("phone", ""),
            "opening_hours": _field(row, "opening_hours"),
        }
        code = _field(row, "code")
        self.centres[code] = self._upsert(ServiceCentre, {"code": code}, values)

    def _counter(self, centre: ServiceCentre, row: Mapping[str, Any]) -> None:
        values = {"label": row.get("label", ""), "is_open": row.get("is_open", True)}
        self._upsert(Counter, {"centre": centre, "number": _field(row, "number")}, values)

    def _set_password(self, user: User) -> None:
        user.set_password(self.password)

    def _staff(self, city: City, row: Mapping[str, Any]) -> None:
        role = _field(row, "role")
        if role not in STAFF_ROLES:
            raise DemoDataError(
                f"staff {row.get('username')!r} has role {role!r}; use one of {sorted(STAFF_ROLES)} "
                "(residents sign in through 'login' on their resident entry)"
            )
        scope = {
            "community": self._optional(self.communities, row.get("community"), "community"),
            "service_centre": self._optional(self.centres, row.get("service_centre"), "service centre"),
            "department": self._optional(self.departments, row.get("department"), "department"),
            "district": self._optional(self.districts, row.get("district"), "district"),
        }
        values = {
            "role": role,
            "city": city,
            "display_name": _field(row, "display_name"),
            "is_staff": bool(row.get("is_staff", False)),
            "is_superuser": False,
            "is_active": True,
            "mobile": None,
            **scope,
        }
        self._upsert(User, {"username": _field(row, "username")}, values, on_create=self._set_password)

    @staticmethod
    def _optional[M: models.Model](index: Mapping[str, M], code: str | None, what: str) -> M | None:
        return _ref(index, code, what) if code else None

    def _household(self, city: City, row: Mapping[str, Any]) -> None:
        community = _ref(self.communities, _field(row, "community"), "community")
        lookup = {"community": community, "address": _field(row, "address")}
        self.households[_field(row, "key")] = self._upsert(Household, lookup, {"city": city})

    def _resident_user(self, city: City, row: Mapping[str, Any]) -> None:
        mobile = self._mobile(row)
        if not mobile:
            raise DemoDataError(f"resident {row.get('name')!r} has 'login' but no mobile to sign in with")
        values = {
            "role": Role.RESIDENT,
            "city": city,
            "mobile": mobile,
            "display_name": _field(row, "name"),
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
        }
        # Same convention as registration: a resident's username is his mobile number.
        self.resident_users[mobile] = self._upsert(User, {"username": mobile}, values, on_create=self._set_password)

    @staticmethod
    def _mobile(row: Mapping[str, Any]) -> str:
        mobile = str(row.get("mobile") or "")
        if mobile:
            try:
                validate_mobile(mobile)
            except ValidationError:
                raise DemoDataError(f"resident {row.get('name')!r}: {mobile!r} is not a mobile number") from None
        return mobile

    def _resident(self, city: City, row: Mapping[str, Any], seen: dict[str, str]) -> None:
        """A synthetic resident whose ID number is generated, never stored in the file.

        Birth date and sex are then derived from that number, as registration does, and must
        agree with the file: a disagreement means a typo in the file, better caught here.
        """
        community_code = _field(row, "community")
        community = _ref(self.communities, community_code, "community")
        name = _field(row, "name")
        try:
            birth_date = dt.date.fromisoformat(_field(row, "birth_date"))
        except (TypeError, ValueError):
            raise DemoDataError(f"resident {name!r}: birth_date must be YYYY-MM-DD") from None
        sex = _field(row, "sex")
        if sex not in Sex.values:
            raise DemoDataError(f"resident {name!r}: sex must be one of {Sex.values}")
        number = demo_citizen_id(
            region_code=self.community_districts[community_code].code,
            birth_date=birth_date,
            sex=sex,
            sequence=int(_field(row, "id_sequence")),
            seed=str(_field(row, "id_seed")),
        )
        citizen = parse_citizen_id(number)
        if (citizen.birth_date, citizen.sex) != (birth_date, sex):
            raise DemoDataError(f"resident {name!r}: the generated ID number does not carry his birth date and sex")
        if number in seen:
            raise DemoDataError(f"residents {seen[number]!r} and {name!r} got the same ID number; change an id_seed")
        seen[number] = name
        relation = row.get("relation", "")
        if relation and relation not in Relation.values:
            raise DemoDataError(f"resident {name!r}: relation must be one of {Relation.values}")
        household_key = row.get("household")
        mobile = self._mobile(row)
        values = {
            "city": city,
            "name": name,
            "birth_date": citizen.birth_date,
            "sex": citizen.sex,
            "mobile": mobile,
            "community": community,
            "household": _ref(self.households, household_key, "household") if household_key else None,
            "relation": relation,
            "user": self.resident_users[mobile] if row.get("login") else None,
        }
        self._upsert(Resident, {"id_number": citizen.number}, values)
