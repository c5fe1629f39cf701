"""The inbox pages, the header's unread count, and the superusers' read-only admin."""

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from conftest import World
from notifications.context_processors import unread_notifications
from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory
from tests.helpers import signed_in


def notify_one(user: User, n: int, link: str = "") -> Notification:
    [notification] = notify(recipients=[user], event_key=f"test:{n}", title=f"通知{n}", body=f"正文{n}", link=link)
    return notification


def test_a_resident_sees_his_messages_newest_first_with_the_unread_ones_marked(world: World) -> None:
    user = world.resident.user
    older = notify_one(user, 1)
    Notification.objects.filter(pk=older.pk).update(created_at=older.created_at - dt.timedelta(hours=1))
    read = notify_one(user, 2)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    notify_one(user, 3)
    notify_one(world.staff["counter_clerk"], 4)

    response = signed_in(user).get(reverse("notifications:inbox"), headers={"accept-language": "en"})
    assert response.status_code == 200
    page = response.context["page"]
    assert [n.title for n in page] == ["通知3", "通知2", "通知1"], "newest first, and his own only"
    html = response.content.decode()
    assert html.count("data-unread") == 2
    assert "通知4" not in html
    assert response.context["unread_notifications"] == 2


def test_the_inbox_is_paged_by_20_with_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    user = world.resident.user
    for n in range(25):
        notify_one(user, n)
    client = signed_in(user)
    with django_assert_max_num_queries(5):  # session, user, page count, page rows, unread count
        first = client.get(reverse("notifications:inbox"))
    assert len(first.context["page"]) == 20
    second = client.get(reverse("notifications:inbox"), {"page": 2})
    assert len(second.context["page"]) == 5


def test_opening_a_message_marks_it_read_and_follows_its_link(world: World) -> None:
    notification = notify_one(world.resident.user, 1, link="/services/")
    response = signed_in(world.resident.user).get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/services/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_a_message_without_a_link_returns_to_the_inbox_and_keeps_the_first_read_time(world: World) -> None:
    notification = notify_one(world.resident.user, 1)
    client = signed_in(world.resident.user)
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:inbox")
    notification.refresh_from_db()
    first_read = notification.read_at
    client.get(reverse("notifications:open", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_another_persons_message_is_not_found_and_stays_unread(world: World) -> None:
    theirs = notify_one(world.staff["counter_clerk"], 1, link="/services/")
    response = signed_in(world.resident.user).get(reverse("notifications:open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_ones_own_and_needs_a_post(world: World) -> None:
    mine = [notify_one(world.resident.user, n) for n in range(3)]
    theirs = notify_one(world.staff["counter_clerk"], 9)
    client = signed_in(world.resident.user)
    assert client.get(reverse("notifications:read_all")).status_code == 405
    response = client.post(reverse("notifications:read_all"))
    assert response["Location"] == reverse("notifications:inbox")
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_anonymous_visitor_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_unread_count_costs_one_query_and_only_when_used(world: World) -> None:
    for n in range(2):
        notify_one(world.resident.user, n)
    request = RequestFactory().get("/")
    request.user = world.resident.user
    with CaptureQueriesContext(connection) as queries:
        count = unread_notifications(request)["unread_notifications"]
        assert len(queries) == 0, "lazy: pages that do not show it pay nothing"
        assert count == 2
        assert len(queries) == 1
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert unread_notifications(request)["unread_notifications"] == 0
    assert len(queries) == 0


def test_the_header_link_shows_the_unread_count_capped_at_99(world: World) -> None:
    user = world.resident.user
    request = RequestFactory().get("/")
    request.user = user
    assert "weui-badge" not in render_to_string("notifications/_header_link.html", request=request)
    notify_one(user, 1)
    assert '<span class="weui-badge"' in render_to_string("notifications/_header_link.html", request=request)
    assert ">1</span>" in render_to_string("notifications/_header_link.html", request=request)
    Notification.objects.bulk_create(Notification(recipient=user, event_key=f"bulk:{n}", title="t") for n in range(120))
    assert ">99+</span>" in render_to_string("notifications/_header_link.html", request=request)
    request.user = AnonymousUser()
    assert render_to_string("notifications/_header_link.html", request=request).strip() == ""


def test_only_superusers_may_look_at_notifications_in_the_admin_and_nobody_may_change_them(world: World) -> None:
    notification = notify_one(world.resident.user, 1)
    superuser = UserFactory(username="root", role=Role.CITY_ADMIN, is_staff=True, is_superuser=True)
    root = signed_in(superuser)
    assert root.get(reverse("admin:notifications_notification_changelist")).status_code == 200
    assert root.get(reverse("admin:notifications_delivery_changelist")).status_code == 200
    assert root.get(reverse("admin:notifications_notification_change", args=[notification.pk])).status_code == 200
    assert root.get(reverse("admin:notifications_notification_add")).status_code == 403
    city_admin = signed_in(world.staff["city_admin"])
    assert city_admin.get(reverse("admin:notifications_notification_changelist")).status_code == 403
    assert city_admin.get(reverse("admin:notifications_delivery_changelist")).status_code == 403


def test_the_inbox_speaks_chinese_by_default_and_english_on_request(world: World) -> None:
    notify_one(world.resident.user, 1)
    client = signed_in(world.resident.user)
    chinese = client.get(reverse("notifications:inbox")).content.decode()
    assert "全部标为已读" in chinese
    assert "1 条未读" in chinese
    english = client.get(reverse("notifications:inbox"), {"lang": "en"}).content.decode()
    assert "Mark all as read" in english
    assert "1 unread" in english
