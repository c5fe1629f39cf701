"""Fill once, in a real browser: the licence he already holds, the facts the city already has."""

import pytest

from cases.models import Case
from cases.tests.test_instant import disability_subsidy_item
from licences.services import licence_issue
from residents.registry import fact_record
from residents.services import resident_reveal
from tests.browser.fixtures import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_disabled_resident_applies_types_nothing_known_and_is_decided_at_once(live_server, world, phone) -> None:  # type: ignore[no-untyped-def]
    setup = disability_subsidy_item(world)
    kind, federation = setup["kind"], setup["federation"]
    licence_issue(actor=None, holder=world.resident, kind=kind, issuing_department=federation)
    fact_record(
        actor=None,
        resident=world.resident,
        category="minimum_allowance",
        value={"receiving": True, "since": "2025-06-01"},
        assurance="verified",
        source_department=world.yanta_civil_affairs,
    )
    resident_reveal(
        actor=world.staff["counter_clerk"], resident_id=world.resident.pk, field="id_number", reason="核对窗口材料"
    )

    phone.goto(live_server.url + "/accounts/login/")
    phone.fill("[name=mobile]", "13900000001")
    phone.fill("[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(live_server.url + "/services/items/DP-009/")
    phone.get_by_test_id("apply").click()
    assert phone.locator("[name=id_number]").input_value() == world.resident.id_number
    assert phone.locator("[name=phone]").input_value() == "13900000001"
    assert "实名" in phone.get_by_test_id("prefill-sources").inner_text(), "each pre-filled value names its source"
    assert "残疾人证" in phone.get_by_test_id("stand-in").inner_text(), "the certificate comes from his e-licence"
    screenshot(phone, "fill-once-form-390x844")
    phone.locator("[data-testid=application-form] button[type=submit]").click()

    decision = phone.get_by_test_id("decision")
    decision.wait_for()
    case = Case.objects.get()
    assert (case.status, case.outcome, case.fields_typed) == ("concluded", "approved", 0)
    assert "雁塔区民政局" in decision.inner_text(), "the explanation names where each fact came from"
    screenshot(phone, "fill-once-decided-390x844")

    phone.goto(live_server.url + "/")
    phone.get_by_test_id("privacy-link").click()
    page = phone.locator("main").inner_text()
    assert "核对窗口材料" in page, "he sees that a clerk viewed his full ID number, and why"
    screenshot(phone, "privacy-tracker-390x844")
