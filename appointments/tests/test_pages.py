"""The residents' appointment pages and the hall's pages: booking, his appointments, the kiosk, the
ticket by the hall's QR code, the follow page and the display (see appointments/tests/conftest.py
for the hall and the days)."""

import json

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment, AppointmentSlot, AppointmentStatus, QueueTicket
from appointments.services import appointment_book, slots_ensure, ticket_call_next, ticket_take
from appointments.tests.conftest import MONDAY, at, travel


@pytest.fixture
def client_en() -> Client:
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def resident_client(client_en, world) -> Client:  # type: ignore[no-untyped-def]
    client_en.force_login(world.resident.user)
    return client_en


def slot_at(centre, text: str) -> AppointmentSlot:  # type: ignore[no-untyped-def]
    return AppointmentSlot.objects.get(centre=centre, starts_at=at(text))


# ---------------------------------------------------------------------------------------------
# Booking
# ---------------------------------------------------------------------------------------------


def test_book_lists_centres_then_slots_and_books(resident_client, world, centre, counters, item) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-12 08:00"):
        page = resident_client.get(reverse("appointments:book"), {"item": item.code})
        assert page.status_code == 200
        assert centre.name in page.content.decode() and world.changan_centre.name in page.content.decode()

        page = resident_client.get(reverse("appointments:book"), {"item": item.code, "centre": centre.code})
        body = page.content.decode()
        assert 'data-testid="slot-2026-10-12-09-30"' in body
        assert 'data-testid="slot-2026-10-13-09-30"' in body, "the next days too"

        slot = slot_at(centre, "2026-10-12 09:30")
        response = resident_client.post(
            reverse("appointments:book"), {"slot": slot.pk, "centre": centre.code, "item": item.code}
        )
        assert response.status_code == 302 and response["Location"] == reverse("appointments:mine")
    appointment = Appointment.objects.get()
    assert (appointment.resident, appointment.slot, appointment.item) == (world.resident, slot, item)

    # Back on the centre list, the centre shows its next free time.
    with travel("2026-10-12 08:00"):
        body = resident_client.get(reverse("appointments:book")).content.decode()
    assert "Next free time: 10-12 09:00" in body


def test_book_a_full_slot_is_refused_with_a_message(resident_client, world, centre, counters) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-12 08:00"):
        slots_ensure(centre=centre, day=MONDAY)
        slot = slot_at(centre, "2026-10-12 10:00")
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked=F("capacity"))
        response = resident_client.post(reverse("appointments:book"), {"slot": slot.pk, "centre": centre.code})
    assert response.status_code == 409
    assert "Every place at 2026-10-12 10:00 is taken" in response.content.decode()
    assert not Appointment.objects.exists()


def test_book_a_past_slot_is_refused_with_a_message(resident_client, world, centre, counters) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-12 08:00"):
        slots_ensure(centre=centre, day=MONDAY)
    slot = slot_at(centre, "2026-10-12 09:30")
    with travel("2026-10-12 10:00"):
        response = resident_client.post(reverse("appointments:book"), {"slot": slot.pk, "centre": centre.code})
    assert response.status_code == 400
    assert "2026-10-12 09:30 has already passed" in response.content.decode()
    assert not Appointment.objects.exists()
    slot.refresh_from_db()
    assert slot.booked == 0


def test_booking_needs_a_signed_in_resident(client_en, world) -> None:  # type: ignore[no-untyped-def]
    response = client_en.get(reverse("appointments:book"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client_en.force_login(world.staff["counter_clerk"])
    assert client_en.get(reverse("appointments:book")).status_code == 403


def test_mine_lists_cancels_and_reschedules(resident_client, world, centre, counters) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-12 08:00"):
        slots_ensure(centre=centre, day=MONDAY)
        first = slot_at(centre, "2026-10-12 09:30")
        appointment = appointment_book(actor=world.resident.user, resident=world.resident, centre=centre, slot=first)
        body = resident_client.get(reverse("appointments:mine")).content.decode()
        assert "2026-10-12 09:30" in body and centre.name in body and "Booked" in body

        page = resident_client.get(reverse("appointments:reschedule", args=[appointment.pk]))
        assert 'data-testid="slot-2026-10-12-14-00"' in page.content.decode()
        later = slot_at(centre, "2026-10-12 14:00")
        response = resident_client.post(reverse("appointments:reschedule", args=[appointment.pk]), {"slot": later.pk})
        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.slot == later

        response = resident_client.post(reverse("appointments:cancel", args=[appointment.pk]))
        assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    later.refresh_from_db()
    first.refresh_from_db()
    assert later.booked == first.booked == 0


def test_someone_elses_appointment_is_not_found(client_en, world, centre, counters) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-12 08:00"):
        slots_ensure(centre=centre, day=MONDAY)
        appointment = appointment_book(
            actor=world.resident.user,
            resident=world.resident,
            centre=centre,
            slot=slot_at(centre, "2026-10-12 09:30"),
        )
    other = world.resident_changan
    from tests.factories import UserFactory

    other.user = UserFactory(username="13900000002", mobile="13900000002", role="resident", city=world.city)
    other.save(update_fields=["user"])
    client_en.force_login(other.user)
    assert client_en.post(reverse("appointments:cancel", args=[appointment.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Kiosk
# ---------------------------------------------------------------------------------------------


def test_kiosk_takes_a_ticket_for_a_category(client_en, world, centre, counters, categories) -> None:  # type: ignore[no-untyped-def]
    url = reverse("appointments:kiosk", args=[centre.code])
    with travel("2026-10-12 09:05"):
        page = client_en.get(url)
        assert page.status_code == 200 and "就业" in page.content.decode()
        response = client_en.post(url, {"action": "take", "category": "employment"})
        assert response.status_code == 302
        ticket = QueueTicket.objects.get()
        assert (ticket.display_number, ticket.channel, ticket.resident) == ("A001", "kiosk", None)
        body = client_en.get(response["Location"]).content.decode()
    assert "A001" in body and "0 people ahead of you" in body and "Estimated wait" in body


def test_kiosk_keeps_csrf(world, centre, categories) -> None:  # type: ignore[no-untyped-def]
    strict = Client(enforce_csrf_checks=True)
    url = reverse("appointments:kiosk", args=[centre.code])
    assert strict.post(url, {"action": "take", "category": "employment"}).status_code == 403


def test_kiosk_on_a_closed_day_says_so(client_en, world, centre, counters, categories) -> None:  # type: ignore[no-untyped-def]
    url = reverse("appointments:kiosk", args=[centre.code])
    with travel("2026-10-03 10:00"):  # a public holiday
        response = client_en.post(url, {"action": "take", "category": "employment"})
    assert response.status_code == 400
    assert "is closed today" in response.content.decode()
    assert not QueueTicket.objects.exists()


@pytest.mark.parametrize("who", ["13900000001", "last6"])
def test_kiosk_checks_in_an_appointment(client_en, world, centre, counters, item, who) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-11 10:00"):
        slots_ensure(centre=centre, day=MONDAY)
        appointment = appointment_book(
            actor=world.resident.user,
            resident=world.resident,
            centre=centre,
            slot=slot_at(centre, "2026-10-12 09:30"),
            item=item,
        )
    url = reverse("appointments:kiosk", args=[centre.code])
    with travel("2026-10-12 09:20"):
        ticket_take(centre=centre, category=None, channel="kiosk")  # a walk-in came first
        value = world.resident.id_number[-6:] if who == "last6" else who
        response = client_en.post(url, {"action": "check_in", "who": value})
        assert response.status_code == 302
        ticket = QueueTicket.objects.get(appointment=appointment)
        body = client_en.get(response["Location"]).content.decode()
    assert ticket.channel == "appointment" and ticket.display_number == "A001"
    assert "A001" in body and "Appointment checked in" in body and "0 people ahead of you" in body
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN


def test_kiosk_check_in_refusals(client_en, world, centre, counters) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-11 10:00"):
        slots_ensure(centre=centre, day=MONDAY)
        appointment_book(
            actor=world.resident.user,
            resident=world.resident,
            centre=centre,
            slot=slot_at(centre, "2026-10-12 14:00"),
        )
    url = reverse("appointments:kiosk", args=[centre.code])
    with travel("2026-10-12 09:20"):
        too_early = client_en.post(url, {"action": "check_in", "who": "13900000001"})
        unknown = client_en.post(url, {"action": "check_in", "who": "13900009999"})
        malformed = client_en.post(url, {"action": "check_in", "who": "12"})
    assert too_early.status_code == 400 and "Check-in for this appointment is open from" in too_early.content.decode()
    assert unknown.status_code == 400 and "No appointment today" in unknown.content.decode()
    assert malformed.status_code == 400 and "11-digit mobile number" in malformed.content.decode()
    assert not QueueTicket.objects.exists()


# ---------------------------------------------------------------------------------------------
# Hall QR code and the follow page
# ---------------------------------------------------------------------------------------------


def test_hall_qr_needs_sign_in_then_gives_a_phone_ticket(client_en, world, centre, counters, categories) -> None:  # type: ignore[no-untyped-def]
    url = reverse("appointments:hall_qr", args=[centre.code])
    response = client_en.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client_en.force_login(world.resident.user)
    with travel("2026-10-12 09:05"):
        ticket_take(centre=centre, category=categories["employment"], channel="kiosk")
        ticket_take(centre=centre, category=categories["elderly"], channel="kiosk")
        assert client_en.get(url).status_code == 200
        response = client_en.post(url, {"category": "employment"})
        ticket = QueueTicket.objects.get(channel="phone_qr")
        assert response["Location"] == reverse("appointments:ticket", args=[ticket.follow_token])
        page = client_en.get(response["Location"])
    body = page.content.decode()
    assert ticket.resident == world.resident and ticket.display_number == "A002"
    assert "A002" in body and "2 people ahead of you" in body
    assert 'hx-trigger="every 10s"' in body


def test_hall_qr_on_a_closed_day_says_so(resident_client, world, centre, categories) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-01 10:00"):
        response = resident_client.post(reverse("appointments:hall_qr", args=[centre.code]), {"category": ""})
    assert response.status_code == 400 and "is closed today" in response.content.decode()


def test_follow_page_partial_shows_the_counter_once_called(client_en, world, centre, counters, clerk) -> None:  # type: ignore[no-untyped-def]
    with travel("2026-10-12 09:05"):
        first = ticket_take(centre=centre, category=None, channel="kiosk")
        second = ticket_take(centre=centre, category=None, channel="kiosk")
        url = reverse("appointments:ticket", args=[second.follow_token])
        assert "1 person ahead of you" in client_en.get(url, headers={"hx-request": "true"}).content.decode()
        ticket_call_next(actor=clerk, counter=counters[0])
        ticket_call_next(actor=clerk, counter=counters[1])
        partial = client_en.get(url, headers={"hx-request": "true"}).content.decode()
    assert partial.lstrip().startswith("<div") and "<html" not in partial
    assert f"Please go to counter {counters[1].number}" in partial
    assert first.follow_token not in partial
    assert client_en.get(reverse("appointments:ticket", args=["nope"])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------


def test_display_and_feed_show_numbers_and_counters_only(client_en, world, centre, counters, clerk, item) -> None:  # type: ignore[no-untyped-def]
    resident = world.resident
    with travel("2026-10-12 09:05"):
        ticket_take(centre=centre, category=None, channel="kiosk")
        phone = ticket_take(centre=centre, category=None, resident=resident, channel="phone_qr")
        ticket_take(centre=centre, category=None, channel="kiosk")
        called_first = ticket_call_next(actor=clerk, counter=counters[0])
        called_second = ticket_call_next(actor=clerk, counter=counters[1])
        feed = client_en.get(reverse("appointments:display_feed", args=[centre.code]))
        page = client_en.get(reverse("appointments:display", args=[centre.code]))
    assert (called_first.display_number, called_second.display_number) == ("Z001", "Z002")
    data = feed.json()
    assert data["calling"] == [
        {"number": "Z002", "counter": counters[1].number, "call": "Z002-1"},
        {"number": "Z001", "counter": counters[0].number, "call": "Z001-1"},
    ]
    assert data["waiting"] == 1 and data["recent"] == []
    raw = json.dumps(data, ensure_ascii=False)
    for personal in (resident.name, resident.mobile, resident.id_number, resident.id_number[-6:], phone.follow_token):
        assert personal not in raw
    body = page.content.decode()
    assert "Z002" in body and "speechSynthesis" in body and "zh-CN" in body
    assert resident.name not in body


def test_display_of_an_unknown_centre_is_404(client_en, world) -> None:  # type: ignore[no-untyped-def]
    assert client_en.get(reverse("appointments:display_feed", args=["nope"])).status_code == 404
