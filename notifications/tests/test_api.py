"""The notifications API: one's own inbox, paged; mark read; 401 and 404 as JSON errors."""

from django.test import Client

from accounts.models import User
from conftest import World
from notifications.models import Notification
from notifications.services import notify
from tests.helpers import signed_in

URL = "/api/v1/notifications"


def notify_one(user: User, n: int) -> Notification:
    [notification] = notify(recipients=[user], event_key=f"test:{n}", title=f"通知{n}", body="", link=f"/cases/{n}/")
    return notification


def test_a_user_lists_his_own_notifications_newest_first_paged_by_offset_and_limit(world: World) -> None:
    for n in range(5):
        notify_one(world.resident.user, n)
    notify_one(world.staff["counter_clerk"], 99)
    client = signed_in(world.resident.user)

    page = client.get(URL, {"offset": 1, "limit": 2}).json()
    assert (page["count"], page["unread"], page["offset"], page["limit"]) == (5, 5, 1, 2)
    assert [item["title"] for item in page["items"]] == ["通知3", "通知2"]
    assert page["items"][0]["link"] == "/cases/3/"
    assert page["items"][0]["unread"] is True
    assert "event_key" not in page["items"][0]
    assert len(client.get(URL, {"limit": 1000}).json()["items"]) == 5, "limit is capped, not refused"


def test_bad_paging_input_is_a_422_json_error(world: World) -> None:
    response = signed_in(world.resident.user).get(URL, {"limit": "many"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_marking_a_notification_read(world: World) -> None:
    notification = notify_one(world.resident.user, 1)
    client = signed_in(world.resident.user)
    response = client.post(f"{URL}/{notification.pk}/read")
    assert response.status_code == 200
    assert response.json()["unread"] is False
    assert response.json()["read_at"] is not None
    assert client.get(URL).json()["unread"] == 0


def test_marking_all_read(world: World) -> None:
    for n in range(3):
        notify_one(world.resident.user, n)
    theirs = notify_one(world.staff["counter_clerk"], 9)
    response = signed_in(world.resident.user).post(f"{URL}/read-all")
    assert response.json() == {"marked": 3}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_persons_notification_is_not_found(world: World) -> None:
    theirs = notify_one(world.staff["counter_clerk"], 1)
    response = signed_in(world.resident.user).post(f"{URL}/{theirs.pk}/read")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_anonymous_caller_gets_401(world: World) -> None:
    notification = notify_one(world.resident.user, 1)
    assert Client().get(URL).json()["code"] == "not_authenticated"
    assert Client().get(URL).status_code == 401
    assert Client().post(f"{URL}/{notification.pk}/read").status_code == 401


def test_the_openapi_schema_documents_the_error_statuses(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"200", "401", "422"} <= set(paths[URL]["get"]["responses"])
    assert {"200", "401", "404"} <= set(paths[URL + "/{notification_id}/read"]["post"]["responses"])
