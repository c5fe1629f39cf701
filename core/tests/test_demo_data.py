"""The demo-data loader: the first city's file is complete, and loading it is idempotent."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from accounts.models import Role, User
from core.demo import DEFAULT_DEMO_FILE, DemoDataError, demo_data_load, demo_logins, read_demo_file
from core.identity import parse_citizen_id
from core.models import City, Community, Counter, Department, District, ServiceCentre, Subdistrict
from residents.models import Household, Resident

PASSWORD = "demo-password-for-tests"
MODELS = (City, District, Department, Subdistrict, Community, ServiceCentre, Counter, User, Household, Resident)
XIAN_DISTRICT_CODES = {
    "610102", "610103", "610104", "610111", "610112", "610113", "610114",
    "610115", "610116", "610117", "610118", "610122", "610124",
}  # fmt: skip
DEMO_STAFF = {
    "worker": Role.COMMUNITY_WORKER,
    "clerk": Role.COUNTER_CLERK,
    "reviewer": Role.REVIEWER,
    "approver": Role.APPROVER,
    "manager": Role.DISTRICT_MANAGER,
    "admin": Role.CITY_ADMIN,
    "auditor": Role.AUDITOR,
    "clerk_changan": Role.COUNTER_CLERK,
    "editor": Role.CATALOGUE_EDITOR,
    "editor_hr": Role.CATALOGUE_EDITOR,
}


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


@pytest.fixture
def loaded(db: None) -> None:
    demo_data_load(path=DEFAULT_DEMO_FILE, password=PASSWORD)


@pytest.mark.django_db
def test_loading_twice_changes_nothing() -> None:
    first = demo_data_load(path=DEFAULT_DEMO_FILE, password=PASSWORD)
    counts_after_first = row_counts()

    second = demo_data_load(path=DEFAULT_DEMO_FILE, password=PASSWORD)

    assert first.created == first.total > 0
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.total)
    assert {model: c.total for model, c in second.counts.items()} == {
        model: c.total for model, c in first.counts.items()
    }
    assert row_counts() == counts_after_first


@pytest.mark.django_db
def test_a_row_edited_since_the_last_load_is_restored_and_counted_as_updated(loaded: None) -> None:
    ServiceCentre.objects.filter(code="SC-610113001").update(phone="029-00000000")

    summary = demo_data_load(path=DEFAULT_DEMO_FILE, password=PASSWORD)

    assert (summary.created, summary.updated) == (0, 1)
    assert summary.counts["ServiceCentre"].updated == 1
    assert ServiceCentre.objects.get(code="SC-610113001").phone != "029-00000000"


@pytest.mark.django_db
def test_reloading_keeps_a_password_someone_changed(loaded: None) -> None:
    clerk = User.objects.get(username="clerk")
    clerk.set_password("changed-on-purpose-1")
    clerk.save(update_fields=["password"])

    demo_data_load(path=DEFAULT_DEMO_FILE, password=PASSWORD)

    assert User.objects.get(username="clerk").check_password("changed-on-purpose-1")


@pytest.mark.django_db
def test_all_thirteen_districts_of_the_city_are_present(loaded: None) -> None:
    city = City.objects.get(code="610100")
    assert (city.name, city.case_prefix) == ("西安市", "XA")
    assert set(District.objects.filter(city=city).values_list("code", flat=True)) == XIAN_DISTRICT_CODES


@pytest.mark.django_db
@pytest.mark.parametrize("district", ["雁塔区", "长安区", "鄠邑区"])
def test_the_three_pilot_districts_have_at_least_six_subdistricts(loaded: None, district: str) -> None:
    assert Subdistrict.objects.filter(district__name=district).count() >= 6


@pytest.mark.django_db
def test_every_district_has_a_subdistrict_and_every_subdistrict_has_communities(loaded: None) -> None:
    assert not District.objects.filter(subdistricts__isnull=True).exists()
    assert not Subdistrict.objects.annotate(n=Count("communities")).filter(n__lt=2).exists()


@pytest.mark.django_db
def test_every_subdistrict_has_a_centre_with_counters_and_opening_hours(loaded: None) -> None:
    for subdistrict in Subdistrict.objects.select_related("district"):
        centre = ServiceCentre.objects.get(subdistrict=subdistrict)
        assert centre.district == subdistrict.district
        assert 3 <= centre.counters.count() <= 6
        assert centre.opening_hours["1"] == [["09:00", "12:00"], ["13:30", "17:30"]]


@pytest.mark.django_db
def test_the_city_and_every_district_have_the_eight_departments(loaded: None) -> None:
    kinds = {
        Department.Kind.CIVIL_AFFAIRS,
        Department.Kind.HUMAN_RESOURCES,
        Department.Kind.HEALTHCARE_SECURITY,
        Department.Kind.HOUSING,
        Department.Kind.DISABLED_PERSONS,
        Department.Kind.HEALTH,
        Department.Kind.VETERANS,
        Department.Kind.PUBLIC_SECURITY,
    }
    city_level = Department.objects.filter(level=Department.Level.CITY, district__isnull=True)
    assert set(city_level.values_list("kind", flat=True)) == kinds
    for district in District.objects.all():
        assert set(district.departments.values_list("kind", flat=True)) == kinds
    assert Department.objects.get(code="610113-civil_affairs").name == "雁塔区民政局"


@pytest.mark.django_db
def test_every_demo_resident_has_a_valid_synthetic_id_number_matching_birth_date_and_sex(loaded: None) -> None:
    residents = list(Resident.objects.select_related("community__subdistrict__district"))
    assert len(residents) >= 10
    for resident in residents:
        citizen = parse_citizen_id(resident.id_number)
        assert (citizen.birth_date, citizen.sex) == (resident.birth_date, resident.sex)
        assert citizen.region_code == resident.community.subdistrict.district.code
    districts = {resident.community.subdistrict.district.name for resident in residents}
    assert districts == {"雁塔区", "长安区", "鄠邑区"}


@pytest.mark.django_db
def test_demo_residents_form_households_with_a_head(loaded: None) -> None:
    households = Household.objects.annotate(n=Count("members"))
    assert households.count() >= 2
    for household in households:
        assert household.n >= 2
        assert household.members.filter(relation="head").count() == 1


@pytest.mark.django_db
def test_the_demo_staff_exist_with_their_roles_and_scopes(loaded: None) -> None:
    users = User.objects.in_bulk(list(DEMO_STAFF), field_name="username")
    assert {name: user.role for name, user in users.items()} == DEMO_STAFF
    assert all(user.display_name and user.check_password(PASSWORD) for user in users.values())
    assert all(not user.is_superuser for user in users.values())
    assert users["admin"].is_staff
    assert not users["auditor"].is_staff
    for name in ("worker", "clerk", "reviewer", "approver", "manager"):
        assert users[name].scope_district.name == "雁塔区"  # type: ignore[union-attr]
    assert users["clerk_changan"].scope_district.name == "长安区"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_first_resident_signs_in_with_his_mobile(loaded: None) -> None:
    user = User.objects.get(mobile="13900000001")
    assert user.role == Role.RESIDENT
    assert user.check_password(PASSWORD)
    assert user.resident.name == "林晓东"


@pytest.mark.django_db
def test_demo_logins_list_every_account_with_what_it_sees(loaded: None) -> None:
    logins = demo_logins()

    assert [entry.login for entry in logins] == [*DEMO_STAFF, "13900000001"]
    assert all(entry.role and entry.sees for entry in logins)
    assert "吉祥村社区" in logins[0].sees


def small_city() -> dict[str, Any]:
    """A second, tiny city: the loader must not care which city it loads."""
    department = {"kind": "civil_affairs", "code": "620102-civil_affairs", "name": "城关区民政局"}
    return {
        "city": {"code": "620100", "name": "兰州市", "name_en": "Lanzhou", "case_prefix": "LZ", "departments": []},
        "districts": [
            {
                "code": "620102",
                "name": "城关区",
                "departments": [department],
                "subdistricts": [
                    {
                        "code": "620102001",
                        "name": "临夏路街道",
                        "communities": [{"code": "620102001001", "name": "临夏路社区"}],
                        "centre": {
                            "code": "SC-620102001",
                            "name": "临夏路街道社区事务受理服务中心",
                            "address": "兰州市城关区临夏路 1 号",
                            "opening_hours": {"1": [["09:00", "17:00"]]},
                            "counters": [{"number": 1, "label": "综合受理窗口"}],
                        },
                    }
                ],
            }
        ],
        "staff": [
            {"username": "lz_clerk", "display_name": "马兰", "role": "counter_clerk", "service_centre": "SC-620102001"}
        ],
        "residents": [
            {
                "id_seed": "lz-1",
                "id_sequence": 1,
                "name": "牛大山",
                "birth_date": "1970-01-02",
                "sex": "male",
                "community": "620102001001",
                "mobile": "13900000099",
                "login": True,
            }
        ],
    }


@pytest.mark.django_db
def test_another_city_file_loads_beside_the_first(loaded: None, tmp_path: Path) -> None:
    path = tmp_path / "lanzhou.json"
    path.write_text(json.dumps(small_city(), ensure_ascii=False), encoding="utf-8")

    summary = demo_data_load(path=path, password=PASSWORD)

    assert summary.updated == 0
    assert City.objects.count() == 2
    assert User.objects.get(username="lz_clerk").scope_district.code == "620102"  # type: ignore[union-attr]
    assert Resident.objects.get(name="牛大山").id_number.startswith("620102")


@pytest.mark.django_db
def test_a_reference_to_an_undefined_code_loads_nothing(tmp_path: Path) -> None:
    data = small_city()
    data["staff"][0]["service_centre"] = "SC-does-not-exist"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(DemoDataError, match="SC-does-not-exist"):
        demo_data_load(path=path, password=PASSWORD)

    assert not City.objects.exists()


def test_the_demo_file_stores_no_id_numbers() -> None:
    for resident in read_demo_file(DEFAULT_DEMO_FILE)["residents"]:
        assert "id_number" not in resident


@pytest.mark.django_db
def test_the_command_loads_and_prints_the_summary_and_logins(settings: Any) -> None:
    settings.ONEWINDOW_DEMO_PASSWORD = PASSWORD
    out = StringIO()

    call_command("load_demo_data", stdout=out)
    call_command("load_demo_data", stdout=out)

    text = out.getvalue()
    assert "nothing changed" in text
    assert PASSWORD in text
    assert "clerk_changan" in text and "13900000001" in text
    assert User.objects.get(username="worker").check_password(PASSWORD)


@pytest.mark.django_db
def test_the_command_refuses_to_run_in_production(settings: Any) -> None:
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_data", stdout=StringIO())

    assert not City.objects.exists()
