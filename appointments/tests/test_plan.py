"""The live peak-hour plan (appointments.plan) and the managers' page (hall:plans)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from appointments.models import PeakPlan, PlanFiring
from appointments.plan import peak_plan_check
from appointments.services import ticket_take
from appointments.tests.conftest import WEEKDAY_HOURS, at, publish_item, travel
from catalogue.models import NegativeListEntry
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def take(centre, category, when: str = "2026-10-12 09:00", **kwargs):  # type: ignore[no-untyped-def]
    return ticket_take(centre=centre, category=category, channel="kiosk", now=at(when), **kwargs)


@pytest.fixture
def plan(centre) -> PeakPlan:  # type: ignore[no-untyped-def]
    return PeakPlan.objects.create(
        centre=centre, max_wait_minutes=60, max_waiting=3, extra_counters=2, extend_minutes=60, cooldown_minutes=30
    )


@pytest.fixture
def nearby(world):  # type: ignore[no-untyped-def]
    """长安区's centre, open and empty: a shorter wait in the same city."""
    other = world.changan_centre
    other.opening_hours = {str(day): WEEKDAY_HOURS for day in range(1, 6)}
    other.save(update_fields=["opening_hours"])
    return other


@pytest.fixture
def online_items(world, categories):  # type: ignore[no-untyped-def]
    """Queue A has one fully online item and one on site; queue B has one fully online."""
    online = publish_item(world, "HR-101", categories["employment"], name="失业登记")
    on_site = publish_item(world, "HR-102", categories["employment"], name="就业困难认定")
    NegativeListEntry.objects.create(
        city=world.city, item=on_site, reason="须核验原件", owner_department=world.yanta_civil_affairs,
        listed_on=dt.date(2026, 1, 1), target_date=dt.date(2027, 1, 1),
    )  # fmt: skip
    elderly = publish_item(world, "CA-201", categories["elderly"], name="高龄津贴")
    return {"online": online, "on_site": on_site, "elderly": elderly}


def crowd(centre, categories, n: int, when: str = "2026-10-12 09:00", **kwargs):  # type: ignore[no-untyped-def]
    return [take(centre, categories["employment"], when, **kwargs) for _ in range(n)]


def test_no_plan_or_inactive_plan_never_fires(centre, categories) -> None:  # type: ignore[no-untyped-def]
    crowd(centre, categories, 10)
    with travel("2026-10-12 09:10"):
        assert peak_plan_check(centre=centre) is None
    PeakPlan.objects.create(centre=centre, is_active=False, max_waiting=1)
    with travel("2026-10-12 09:10"):
        assert peak_plan_check(centre=centre) is None
    assert not PlanFiring.objects.exists()


def test_no_firing_below_thresholds(centre, categories, plan) -> None:  # type: ignore[no-untyped-def]
    crowd(centre, categories, 3)  # 3 waiting (not more than 3), wait 3 × 10 ÷ 2 = 15 min ≤ 60
    with travel("2026-10-12 09:10"):
        assert peak_plan_check(centre=centre) is None
    assert not PlanFiring.objects.exists()


def test_fires_when_more_wait_than_the_threshold(world, centre, categories, plan, nearby, online_items) -> None:  # type: ignore[no-untyped-def]
    crowd(centre, categories, 4)
    with travel("2026-10-12 09:10"):
        firing = peak_plan_check(centre=centre)
    assert firing is not None
    assert firing.cause == "4 residents waiting > 3"
    assert (firing.waiting, firing.estimated_wait, firing.fired_at) == (4, 20, at("2026-10-12 09:10"))
    actions = {action["action"]: action for action in firing.actions}
    assert set(actions) == {"open_counters", "advise_online", "redirect"}  # it clears long before closing
    assert actions["open_counters"]["counters"] == 2
    assert actions["advise_online"]["items"] == [{"code": "HR-101", "name": "失业登记"}]  # queue A only, online only
    assert actions["redirect"]["centres"] == [{"id": nearby.pk, "name": nearby.name, "wait": 0}]


def test_wait_threshold_fires_too(centre, categories, plan) -> None:  # type: ignore[no-untyped-def]
    plan.max_wait_minutes, plan.max_waiting = 10, 30
    plan.save()
    crowd(centre, categories, 3)
    with travel("2026-10-12 09:10"):
        firing = peak_plan_check(centre=centre)
    assert firing is not None and firing.cause == "estimated wait 15 min > 10 min"


def test_cooldown_is_respected(centre, categories, plan) -> None:  # type: ignore[no-untyped-def]
    crowd(centre, categories, 4)
    with travel("2026-10-12 09:10"):
        assert peak_plan_check(centre=centre) is not None
    crowd(centre, categories, 4, when="2026-10-12 09:20")
    with travel("2026-10-12 09:39"):
        assert peak_plan_check(centre=centre) is None
    with travel("2026-10-12 09:40"):
        second = peak_plan_check(centre=centre)
    assert second is not None and second.cause == "8 residents waiting > 3"
    assert PlanFiring.objects.count() == 2


def test_district_manager_is_notified(world, centre, categories, plan) -> None:  # type: ignore[no-untyped-def]
    other_manager = UserFactory(role=Role.DISTRICT_MANAGER, district=world.changan)
    crowd(centre, categories, 4)
    with travel("2026-10-12 09:10"):
        firing = peak_plan_check(centre=centre)
    assert firing is not None
    note = Notification.objects.get(event_key=f"peakplan:{firing.pk}")
    assert note.recipient == world.staff["district_manager"]
    assert centre.name in note.title and "4 residents waiting > 3" in note.body
    assert note.link == reverse("hall:plans")
    assert not Notification.objects.filter(recipient=other_manager).exists()


def test_waiting_residents_are_told_once(world, centre, categories, plan, nearby, online_items) -> None:  # type: ignore[no-untyped-def]
    mine = take(centre, categories["employment"], resident=world.resident)
    crowd(centre, categories, 3)
    with travel("2026-10-12 09:10"):
        assert peak_plan_check(centre=centre) is not None
    crowd(centre, categories, 2, when="2026-10-12 09:30")
    with travel("2026-10-12 09:45"):
        assert peak_plan_check(centre=centre) is not None  # fired again, after the cooldown
    notes = Notification.objects.filter(recipient=world.resident.user, event_key__startswith="peakplan:")
    assert notes.count() == 1
    note = notes.get()
    assert note.event_key == f"peakplan:ticket:{mine.pk}"
    assert "失业登记" in note.body and "就业困难认定" not in note.body and "高龄津贴" not in note.body
    assert nearby.name in note.body


def test_command_checks_every_centre_with_an_active_plan(centre, categories, plan) -> None:  # type: ignore[no-untyped-def]
    crowd(centre, categories, 4)
    out = StringIO()
    with travel("2026-10-12 09:10"):
        call_command("check_peak_plans", stdout=out)
    assert "checked 1, fired 1" in out.getvalue()
    assert PlanFiring.objects.count() == 1


@pytest.fixture
def fired(centre, categories, plan) -> PlanFiring:  # type: ignore[no-untyped-def]
    crowd(centre, categories, 4)
    with travel("2026-10-12 09:10"):
        firing = peak_plan_check(centre=centre)
    assert firing is not None
    return firing


def test_acknowledge_records_who_and_when(client, world, centre, fired) -> None:  # type: ignore[no-untyped-def]
    manager = world.staff["district_manager"]
    client.force_login(manager)
    page = client.get(reverse("hall:plans")).content.decode()
    assert centre.name in page and "4 residents waiting &gt; 3" in page
    with travel("2026-10-12 09:25"):
        assert client.post(reverse("hall:firing_acknowledge", args=[fired.pk])).status_code == 302
    with travel("2026-10-12 09:50"):
        client.post(reverse("hall:firing_acknowledge", args=[fired.pk]))  # the first acknowledgement stands
    fired.refresh_from_db()
    assert fired.acknowledged_by == manager and fired.acknowledged_at == at("2026-10-12 09:25")


def test_manager_of_another_district_cannot_see_or_acknowledge(client, world, centre, fired) -> None:  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(role=Role.DISTRICT_MANAGER, district=world.changan))
    page = client.get(reverse("hall:plans")).content.decode()
    assert centre.name not in page and world.changan_centre.name in page
    assert client.post(reverse("hall:firing_acknowledge", args=[fired.pk])).status_code == 403
    assert client.post(reverse("hall:plan_edit", args=[centre.pk]), {}).status_code == 404
    fired.refresh_from_db()
    assert fired.acknowledged_at is None and fired.acknowledged_by is None


def test_city_admin_sees_every_centre_and_clerks_none(client, world, centre) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.staff["city_admin"])
    page = client.get(reverse("hall:plans")).content.decode()
    assert centre.name in page and world.changan_centre.name in page
    client.force_login(world.staff["counter_clerk"])
    assert client.get(reverse("hall:plans")).status_code == 403


def _plan_post(centre, **values):  # type: ignore[no-untyped-def]
    fields = {"max_wait_minutes": 25, "max_waiting": 40, "extra_counters": 1, "extend_minutes": 30,
              "cooldown_minutes": 20, "is_active": "on"} | values  # fmt: skip
    return {f"c{centre.pk}-{name}": value for name, value in fields.items()}


def test_manager_edits_thresholds_validated(client, world, centre, plan) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.staff["district_manager"])
    url = reverse("hall:plan_edit", args=[centre.pk])
    assert client.post(url, _plan_post(centre, max_waiting=0)).status_code == 400
    assert client.post(url, _plan_post(centre, max_wait_minutes=-5)).status_code == 400
    assert client.post(url, _plan_post(centre, cooldown_minutes="many")).status_code == 400
    plan.refresh_from_db()
    assert plan.max_waiting == 3
    assert client.post(url, _plan_post(centre)).status_code == 302
    plan.refresh_from_db()
    assert (plan.max_wait_minutes, plan.max_waiting, plan.cooldown_minutes) == (25, 40, 20)


def test_manager_creates_a_plan_for_a_centre_without_one(client, world, centre) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.staff["district_manager"])
    assert client.post(reverse("hall:plan_edit", args=[centre.pk]), _plan_post(centre)).status_code == 302
    assert PeakPlan.objects.get(centre=centre).max_waiting == 40
