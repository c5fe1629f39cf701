"""Appointments and the hall in real browsers: a resident books on his phone, checks in at the kiosk,
a walk-in takes a number, a counter calls, and the hall's display shows who goes where.

The live server runs in another thread, so nothing is frozen: the centre is open around the clock
in this test, and the appointment checked in is for a slot starting a few minutes from now.
"""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentSlot, QueueTicket
from appointments.services import appointment_book
from catalogue.models import Category
from core.models import Counter
from core.workdays import is_working_day, workdays_cache_clear
from tests.browser.fixtures import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

ALL_DAY = [["00:00", "23:59"]]


def wide_page(browser):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    return page


def test_book_check_in_walk_in_and_the_hall_display(live_server, world, browser, phone) -> None:  # type: ignore[no-untyped-def]
    workdays_cache_clear()
    centre = world.yanta_centre
    centre.opening_hours = {str(day): ALL_DAY for day in range(1, 8)}
    centre.save(update_fields=["opening_hours"])
    Counter.objects.create(centre=centre, number=1, label="综合受理窗口")
    window = Counter.objects.create(centre=centre, number=3, label="综合受理窗口")
    Category.objects.create(code="employment", name="就业", position=20)
    clerk = world.staff["counter_clerk"]
    now = timezone.localtime()
    if not is_working_day(now.date()):
        pytest.skip("today is a public holiday: the centre is closed, no ticket can be taken")
    soon = now + dt.timedelta(minutes=5)
    if soon.date() != now.date() or soon.time() > dt.time(23, 20):
        pytest.skip("too close to midnight for a slot today")
    tomorrow = now.date() + dt.timedelta(days=1)
    while not is_working_day(tomorrow):
        tomorrow += dt.timedelta(days=1)
    if (tomorrow - now.date()).days >= 7:
        pytest.skip("no working day within the booking week")

    # The resident books tomorrow 09:30 at the 雁塔 centre on his phone.
    phone.goto(live_server.url + "/accounts/login/")
    phone.fill("[name=mobile]", "13900000001")
    phone.fill("[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.get_by_test_id("my-appointments").click()
    phone.get_by_test_id("book-link").click()
    phone.get_by_test_id(f"centre-{centre.code}").click()
    phone.get_by_test_id(f"slot-{tomorrow:%Y-%m-%d}-09-30").click()
    phone.get_by_test_id("appointment-row").wait_for()
    booked = Appointment.objects.get(resident=world.resident)
    assert timezone.localtime(booked.slot.starts_at).strftime("%Y-%m-%d %H:%M") == f"{tomorrow:%Y-%m-%d} 09:30"
    assert f"{tomorrow:%Y-%m-%d} 09:30" in phone.get_by_test_id("appointments").inner_text()

    # He also has an appointment starting in a few minutes: its check-in window is open now.
    slot = AppointmentSlot.objects.create(
        centre=centre, starts_at=soon, ends_at=soon + dt.timedelta(minutes=30), capacity=1
    )
    today_appointment = appointment_book(actor=world.resident.user, resident=world.resident, centre=centre, slot=slot)

    # A walk-in takes a number at the kiosk first.
    kiosk = wide_page(browser)
    errors: list[str] = []
    kiosk.on("pageerror", lambda error: errors.append(str(error)))
    kiosk.goto(f"{live_server.url}/appointments/hall/{centre.code}/kiosk/")
    kiosk.get_by_test_id("category-employment").click()
    assert kiosk.get_by_test_id("ticket-number").inner_text() == "A001"
    kiosk.get_by_test_id("kiosk-done").click()

    # The resident checks in with his mobile number: his ticket has the appointment's priority.
    kiosk.fill("[name=who]", "13900000001")
    kiosk.get_by_test_id("check-in-submit").click()
    assert kiosk.get_by_test_id("ticket-number").inner_text() == "Z001"
    ticket = QueueTicket.objects.get(appointment=today_appointment)
    assert ticket.priority > QueueTicket.objects.get(display_number="A001").priority

    # He follows his ticket on his phone: nobody is ahead of him.
    phone.goto(f"{live_server.url}/appointments/tickets/{ticket.follow_token}/")
    assert phone.get_by_test_id("ticket-number").inner_text() == "Z001"
    assert "0" in phone.get_by_test_id("ahead").inner_text(), "nobody is ahead of him"

    # The hall's display; the counter calls: his number first, though the walk-in came earlier.
    display = wide_page(browser)
    display.on("pageerror", lambda error: errors.append(str(error)))
    display.goto(f"{live_server.url}/appointments/hall/{centre.code}/display/")
    assert display.get_by_test_id("waiting").inner_text() == "2"

    # The clerk of the centre presses "call next" on his workbench.
    desk = wide_page(browser)
    desk.goto(f"{live_server.url}/accounts/staff/login/")
    desk.fill("[name=username]", clerk.username)
    desk.fill("[name=password]", PASSWORD)
    desk.click("button[type=submit]")
    desk.goto(f"{live_server.url}/hall/counter/")
    desk.get_by_test_id("counter-select").select_option(str(window.pk))
    desk.locator('form[action$="/counter/choose/"] button').click()
    desk.get_by_test_id("call-next").click()
    assert desk.get_by_test_id("current-number").inner_text() == "Z001", "his appointment comes first"
    display.wait_for_function(
        "document.querySelector('[data-testid=calling] li').textContent.includes('Z001')", timeout=10_000
    )
    assert "3" in display.locator("[data-testid=calling] li").first.inner_text()

    # His phone page refreshes itself and sends him to counter 3.
    phone.get_by_test_id("ticket-counter").wait_for(timeout=15_000)
    assert "3" in phone.get_by_test_id("ticket-counter").inner_text()
    screenshot(phone, "appointment-ticket-called-390x844")

    # The clerk serves him and starts a case for him from the ticket (one-window intake).
    desk.locator('form[action$="/start_serving/"] button').click()
    desk.get_by_test_id("start-case").click()
    assert world.resident.name in desk.get_by_test_id("found-resident").inner_text()
    desk.goto(f"{live_server.url}/hall/counter/")
    desk.locator('form[action$="/done/"] button').click()

    # The walk-in is called after the appointment.
    desk.get_by_test_id("call-next").click()
    assert desk.get_by_test_id("current-number").inner_text() == "A001"
    display.wait_for_function(
        "document.querySelector('[data-testid=calling] li').textContent.includes('A001')", timeout=10_000
    )
    assert "Z001" in display.get_by_test_id("recent").inner_text()
    assert display.get_by_test_id("waiting").inner_text() == "0"
    screenshot(display, "hall-display-1280")
    assert world.resident.name not in display.locator("body").inner_text()
    assert errors == []
