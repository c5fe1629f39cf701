"""The clerk's calling workbench (hall:counter): choose a counter, call, serve, refusals."""

import pytest
from django.test import Client
from django.urls import reverse

from appointments.models import QueueTicket, TicketStatus
from appointments.services import ticket_take
from appointments.tests.conftest import at, travel
from core.models import Counter

pytestmark = pytest.mark.django_db

NOW = "2026-10-12 09:10"


@pytest.fixture
def client() -> Client:
    """These pages are checked in English, the source language (zh-hans is tested by the journeys)."""
    return Client(headers={"accept-language": "en"})


def take(centre, category=None, when: str = "2026-10-12 09:00", **kwargs):  # type: ignore[no-untyped-def]
    return ticket_take(centre=centre, category=category, channel=kwargs.pop("channel", "kiosk"), now=at(when), **kwargs)


@pytest.fixture
def at_counter(client, clerk, counters):  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    with travel(NOW):
        response = client.post(reverse("hall:counter_choose"), {"counter": counters[0].pk})
    assert response.status_code == 302
    return client


def test_page_is_for_clerks_and_shows_the_queues(client, world, centre, categories, counters) -> None:  # type: ignore[no-untyped-def]
    take(centre, categories["employment"])
    take(centre, categories["employment"])
    take(centre, categories["elderly"])
    client.force_login(world.staff["reviewer"])
    assert client.get(reverse("hall:counter")).status_code == 403
    client.force_login(world.staff["counter_clerk"])
    with travel(NOW):
        page = client.get(reverse("hall:counter")).content.decode()
    assert 'data-testid="waiting-total">3<' in page
    assert "<td>A</td><td>2</td><td>10 min</td>" in page  # 2 waiting × 10 min ÷ 2 counters
    assert 'waiting-total">3</td><td>15 min</td>' in page  # all queues: 3 × 10 ÷ 2
    assert "综合受理窗口" in page and "咨询导办" not in page  # only open counters to choose from


def test_choosing_a_counter_of_another_centre_is_refused(client, world, centre, counters) -> None:  # type: ignore[no-untyped-def]
    other = Counter.objects.create(centre=world.changan_centre, number=1)
    client.force_login(world.staff["counter_clerk"])
    client.post(reverse("hall:counter_choose"), {"counter": other.pk})
    assert "hall_counter_id" not in client.session


def test_call_next_shows_the_best_ticket_then_serve_and_done(at_counter, world, centre, categories) -> None:  # type: ignore[no-untyped-def]
    take(centre, categories["employment"], when="2026-10-12 09:00")
    take(centre, categories["elderly"], when="2026-10-12 09:01")
    with travel(NOW):
        page = at_counter.post(reverse("hall:counter_call"), follow=True).content.decode()
    assert "Ticket A001 called to counter 1." in page
    assert 'data-testid="current-number">A001<' in page
    ticket = QueueTicket.objects.get(display_number="A001")
    assert ticket.status == TicketStatus.CALLED
    with travel(NOW):
        at_counter.post(reverse("hall:ticket_act", args=[ticket.pk, "start_serving"]))
    with travel("2026-10-12 09:20"):
        page = at_counter.post(reverse("hall:ticket_act", args=[ticket.pk, "done"]), follow=True).content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE and ticket.served_ended_at == at("2026-10-12 09:20")
    assert 'data-testid="call-next"' in page  # the counter is free again


def test_refused_step_is_a_message(at_counter, centre, categories) -> None:  # type: ignore[no-untyped-def]
    ticket = take(centre, categories["employment"])
    with travel(NOW):
        page = at_counter.post(reverse("hall:ticket_act", args=[ticket.pk, "done"]), follow=True).content.decode()
    assert "Not possible now: this ticket is “Waiting”." in page
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING


def test_clerk_of_another_centre_is_refused(client, world, centre, categories, counters) -> None:  # type: ignore[no-untyped-def]
    ticket = take(centre, categories["employment"])
    client.force_login(world.staff["clerk_changan"])
    with travel(NOW):
        assert client.post(reverse("hall:counter_call"), {"counter": counters[0].pk}).status_code == 403
        assert client.post(reverse("hall:ticket_act", args=[ticket.pk, "recall"])).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING and ticket.counter is None


def test_start_case_link_for_a_resident_ticket(at_counter, world, centre, categories) -> None:  # type: ignore[no-untyped-def]
    take(centre, categories["employment"], resident=world.resident)
    with travel(NOW):
        page = at_counter.post(reverse("hall:counter_call"), follow=True).content.decode()
    assert 'data-testid="start-case"' in page
    assert f"{reverse('cases:intake')}?ticket=" in page
    assert world.resident.id_number not in page, "no full ID number in a link"


def test_anonymous_ticket_has_no_start_case_link(at_counter, centre, categories) -> None:  # type: ignore[no-untyped-def]
    take(centre, categories["employment"])
    with travel(NOW):
        page = at_counter.post(reverse("hall:counter_call"), follow=True).content.decode()
    assert 'data-testid="current-number">A001<' in page and 'data-testid="start-case"' not in page


def test_staff_home_links(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.staff["counter_clerk"])
    assert reverse("hall:counter") in client.get(reverse("home")).content.decode()
    client.force_login(world.staff["district_manager"])
    assert reverse("hall:plans") in client.get(reverse("home")).content.decode()
