import pytest

from catalogue.models import Synonym
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content
from tests.browser.fixtures import screenshot

pytestmark = pytest.mark.browser


def test_a_resident_searches_as_he_speaks_and_reads_the_guide_on_a_phone(live_server, world, phone) -> None:  # type: ignore[no-untyped-def]
    Synonym.objects.create(term="低保", expansion="最低生活保障")
    for code, name in [("CA-001", "最低生活保障申请"), ("CA-002", "临时救助申请"), ("HR-001", "就业登记")]:
        item = item_create(
            actor=None, city=world.city, code=code, department_kind="civil_affairs", handling_level="district",
            content=guide_content(name=name, aliases=[] if code != "CA-001" else ["低保"]),
        )  # fmt: skip
        item_publish(actor=None, version=item.versions.get())

    phone.goto(live_server.url + "/services/")
    phone.get_by_role("searchbox").fill("低保怎么申请")
    phone.get_by_role("searchbox").press("Enter")
    first = phone.get_by_test_id("item-row").first
    assert "最低生活保障申请" in first.inner_text()
    first.click()

    assert phone.get_by_test_id("guide-title").inner_text() == "最低生活保障申请"
    assert "居民身份证" in phone.get_by_test_id("materials").inner_text()
    assert "20 个工作日" in phone.get_by_test_id("time-limit").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    screenshot(phone, "catalogue-search-guide-390x844")

    phone.goto(live_server.url + "/services/search/?q=" + "🙂" * 50 + "%22NEAR(")
    assert phone.get_by_test_id("no-results").is_visible(), "odd input gets a normal page"
