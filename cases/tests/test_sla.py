import datetime as dt

import time_machine

from cases import services
from cases.escalation import cases_escalate_overdue
from cases.selectors import sla_colour_of, work_queue
from cases.tasks import escalate_overdue_cases
from cases.tests.test_workflow import submitted_case
from notifications.models import Notification


def at(day: str):  # type: ignore[no-untyped-def]
    return time_machine.travel(dt.datetime.fromisoformat(day + "T09:00:00+08:00"), tick=False)


def test_colours_follow_the_clock_and_red_cases_are_escalated_once(
    world, item, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with at("2026-09-29"):
        case = services.case_accept(actor=world.staff["counter_clerk"], case=submitted_case(world, item))
    assert case.due_on == dt.date(2026, 10, 12)
    assert sla_colour_of(case, dt.date(2026, 9, 30)) == "green"
    assert sla_colour_of(case, dt.date(2026, 10, 9)) == "green", "3 of 5 working days used (30 Sep, 8, 9 Oct)"
    assert sla_colour_of(case, dt.date(2026, 10, 10)) == "yellow", "the make-up Saturday is the 4th working day: 80 %"
    assert sla_colour_of(case, dt.date(2026, 10, 13)) == "red"
    reviewer = world.staff["reviewer"]
    assert list(work_queue(viewer=reviewer, colour="red", today=dt.date(2026, 10, 13))) == [case]
    assert list(work_queue(viewer=reviewer, colour="green", today=dt.date(2026, 10, 13))) == []

    with at("2026-10-13"), django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_cases.enqueue(reschedule=False).return_value == 1
        assert cases_escalate_overdue() == 0, "never twice"
    recipients = set(
        Notification.objects.filter(event_key__contains=":escalated:").values_list("recipient__username", flat=True)
    )
    assert recipients == {"approver", "manager"}


def test_the_queue_lists_the_oldest_due_first_in_constant_queries(world, item, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import signed_in

    for _ in range(3):
        services.case_accept(actor=world.staff["counter_clerk"], case=submitted_case(world, item))
    client = signed_in(world.staff["reviewer"])
    with django_assert_max_num_queries(12):
        response = client.get("/cases/queue/")
    assert response.status_code == 200
    assert response.content.decode().count('<tr><td><a href="/cases/XA-') == 3
