"""A resident reads his messages on a phone, in Chinese."""

from typing import Any

import pytest

from conftest import World
from notifications.models import Notification
from notifications.services import notify
from tests.browser.fixtures import screenshot
from tests.helpers import signed_in

pytestmark = pytest.mark.browser


def test_a_resident_reads_his_messages_on_a_phone_and_marks_them_all_read(
    live_server: Any, world: World, phone: Any
) -> None:
    user = world.resident.user
    notify(
        recipients=[user],
        event_key="case:XA-20261129-000123:accepted",
        title="您的申请已受理",
        body="办件号 XA-20261129-000123（最低生活保障申请），承诺 20 个工作日内办结，请留意后续消息。",
    )
    notify(recipients=[user], event_key="notice:7", title="社区通知：明日停水", body="长延堡社区明日 9:00–12:00 停水。")
    session = signed_in(user).cookies["sessionid"].value
    phone.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])

    phone.goto(live_server.url + "/inbox/")
    assert phone.get_by_test_id("notification").count() == 2
    assert phone.locator("[data-unread]").count() == 2
    assert "2 条未读" in phone.get_by_test_id("inbox-actions").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    screenshot(phone, "notifications-inbox-390x844")

    phone.get_by_role("button", name="全部标为已读").click()
    phone.get_by_test_id("inbox").wait_for()
    assert phone.locator("[data-unread]").count() == 0
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
