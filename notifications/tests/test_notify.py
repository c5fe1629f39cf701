"""notify(): one notification per person and event, the SMS only after commit, nothing on rollback."""

from typing import Any

import factory
import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, SmsMessage, User
from conftest import World
from notifications.models import Delivery, DeliveryState, Notification
from notifications.services import notify
from tests.factories import ResidentFactory, UserFactory

EVENT = "case:XA-20261129-000123:accepted"


def accepted(recipients: list[User], **kwargs: Any) -> list[Notification]:
    return notify(
        recipients=recipients,
        event_key=EVENT,
        title="您的申请已受理",
        body="办件号 XA-20261129-000123，承诺 5 个工作日内办结。",
        link="/cases/XA-20261129-000123/",
        **kwargs,
    )


def test_after_commit_each_recipient_has_one_notification_and_the_one_with_a_mobile_one_sms(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    resident, clerk = world.resident.user, world.staff["counter_clerk"]
    assert clerk.mobile is None
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        accepted([resident, clerk], sms=True)

    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted([resident.pk, clerk.pk])
    sms = SmsMessage.objects.get()
    assert sms.mobile == "13900000001"
    assert sms.body == "您的申请已受理\n办件号 XA-20261129-000123，承诺 5 个工作日内办结。"
    delivery = Delivery.objects.get()
    assert delivery.notification.recipient == resident, "the clerk has no mobile, so no SMS delivery"
    assert (delivery.state, delivery.attempts, delivery.last_error) == (DeliveryState.SENT, 1, "")
    assert delivery.sent_at is not None


def test_nothing_is_sent_before_the_transaction_commits(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accepted([world.resident.user], sms=True)
    assert len(callbacks) == 1
    assert Delivery.objects.get().state == DeliveryState.PENDING
    assert not SmsMessage.objects.exists()


def test_the_same_event_twice_notifies_and_texts_each_person_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    resident, clerk = world.resident.user, world.staff["counter_clerk"]
    with django_capture_on_commit_callbacks(execute=True):
        first = accepted([resident, clerk], sms=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = accepted([resident, clerk, resident], sms=True)

    assert callbacks == [], "nothing new, so nothing to send"
    assert [n.pk for n in again] == [n.pk for n in first], "each recipient's existing notification, in order"
    assert Notification.objects.count() == 2
    assert Delivery.objects.count() == 1
    assert SmsMessage.objects.count() == 1


def test_a_rolled_back_transaction_notifies_nobody_and_sends_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    def case_accept_that_fails_after_notifying() -> None:
        with transaction.atomic():
            accepted([world.resident.user, world.staff["counter_clerk"]], sms=True)
            raise RuntimeError("the caller's own write failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        case_accept_that_fails_after_notifying()

    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert not SmsMessage.objects.exists()


def test_without_sms_only_the_inbox_gets_the_notification(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        accepted([world.resident.user])
    assert Notification.objects.count() == 1
    assert callbacks == []
    assert not Delivery.objects.exists()


def test_a_resident_with_no_mobile_on_his_account_is_texted_at_his_records_number(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    elder = UserFactory(username="elder", role=Role.RESIDENT, mobile=None)
    ResidentFactory(community=world.yanta_community, user=elder, mobile="13700009999")
    with django_capture_on_commit_callbacks(execute=True):
        accepted([elder], sms=True)
    assert SmsMessage.objects.get().mobile == "13700009999"


def test_a_deactivated_account_gets_no_sms(world: World, django_capture_on_commit_callbacks: Any) -> None:
    user = world.resident.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        accepted([user], sms=True)
    assert not Delivery.objects.exists()


def test_notifying_many_people_takes_the_same_few_queries_as_notifying_one(
    world: World, django_assert_max_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = UserFactory.create_batch(40, role=Role.RESIDENT, mobile=factory.Sequence(lambda n: f"136{n:08d}"))
    with django_capture_on_commit_callbacks(execute=False), django_assert_max_num_queries(7):
        notify(
            recipients=people, event_key="notice:42:published", title="停水通知", body="明日 9–12 时停水。", sms=True
        )
    assert Notification.objects.count() == 40
    assert Delivery.objects.count() == 40


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("link", "https://evil.example/"),
        ("link", "//evil.example/"),
        ("link", "/\\evil.example/"),
        ("link", "cases/1/"),
        ("event_key", ""),
        ("title", "  "),
    ],
)
def test_a_bad_event_key_title_or_offsite_link_is_refused(world: World, field: str, value: str) -> None:
    arguments = {"event_key": EVENT, "title": "您的申请已受理", "body": "", "link": "/cases/1/", field: value}
    with pytest.raises(ValueError):
        notify(recipients=[world.resident.user], **arguments)
    assert not Notification.objects.exists()


def test_the_database_refuses_an_offsite_link_and_a_second_row_for_one_event(world: World) -> None:
    user = world.resident.user
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, event_key="e:1", title="t", link="//evil.example/")
    Notification.objects.create(recipient=user, event_key="e:1", title="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=user, event_key="e:1", title="t")


def test_an_over_long_title_is_shortened_not_refused(world: World) -> None:
    [notification] = notify(recipients=[world.resident.user], event_key=EVENT, title="长" * 300, body="")
    assert len(notification.title) == 200
