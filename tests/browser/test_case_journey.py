"""The whole affair in real browsers: online application, city-wide intake, correction, decision."""

import pytest

from cases.models import Case
from cases.tests.conftest import jpeg_bytes
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content
from tests.browser.fixtures import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in_staff(browser, live_server, username):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(live_server.url + "/accounts/staff/login/")
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_test_id("staff-home").wait_for()
    return page


def act(page, live_server, number, action, **fields):  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/cases/{number}/")
    form = page.locator(f'form[action$="/do/{action}/"]')
    folded = page.locator(f'details:has(form[action$="/do/{action}/"]) > summary')
    if folded.count():
        folded.click()
    for name, value in fields.items():
        if name == "materials":
            form.locator(f'input[name=materials][value="{value}"]').check()
        else:
            form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_apply_online_accept_elsewhere_correct_and_approve(
    live_server, world, browser, phone, tmp_path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    content = guide_content(
        promised_days=5,
        form_definition=[
            {
                "name": "applicant_name",
                "label": "申请人",
                "type": "text",
                "required": True,
                "registry_fact": "identity",
            },
            {"name": "members", "label": "家庭人口", "type": "number", "required": True, "min": 1},
        ],
        materials=[{"name": "居民身份证", "form": "copy"}, {"name": "收入证明", "form": "copy"}],
    )
    item = item_create(
        actor=None,
        city=world.city,
        code="CA-001",
        department_kind="civil_affairs",
        handling_level="district",
        content=content,
    )
    item_publish(actor=None, version=item.versions.get())
    slots = list(item.versions.get().materials.order_by("position").values_list("pk", flat=True))
    photos = []
    for i, colour in enumerate(["red", "green", "blue"]):
        path = tmp_path / f"photo{i}.jpg"
        path.write_bytes(jpeg_bytes(colour, (800, 600)))
        photos.append(str(path))

    # The resident signs in on his phone and applies from the guide, with two photos.
    phone.goto(live_server.url + "/accounts/login/")
    phone.fill("[name=mobile]", "13900000001")
    phone.fill("[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(live_server.url + "/services/items/CA-001/")
    phone.get_by_test_id("apply").click()
    assert phone.locator("[name=applicant_name]").input_value() == "王建国", "pre-filled from his record"
    phone.fill("[name=members]", "3")
    phone.set_input_files(f"[name=material_{slots[0]}]", photos[0])
    phone.set_input_files(f"[name=material_{slots[1]}]", photos[1])
    phone.locator("[data-testid=application-form] button[type=submit]").click()
    phone.get_by_test_id("case-status").wait_for()
    case = Case.objects.get()
    assert case.status == "submitted" and case.materials.count() == 2

    # A clerk of a 长安区 centre accepts the 雁塔区 resident's case: city-wide handling.
    clerk = sign_in_staff(browser, live_server, "clerk_changan")
    act(clerk, live_server, case.number, "accept")
    case.refresh_from_db()
    assert case.status == "accepted" and case.receiving_centre == world.changan_centre

    # The 雁塔区 reviewer asks for a clearer income proof.
    reviewer = sign_in_staff(browser, live_server, "reviewer")
    reviewer.goto(live_server.url + "/cases/queue/")
    assert case.number in reviewer.get_by_test_id("queue").inner_text()
    act(
        reviewer,
        live_server,
        case.number,
        "request_correction",
        message="收入证明照片不清晰，请重新上传",
        materials=slots[1],
    )
    case.refresh_from_db()
    assert case.status == "correction_requested"

    # The resident sees the request and uploads the missing photo.
    phone.goto(f"{live_server.url}/cases/{case.number}/")
    assert "收入证明照片不清晰" in phone.get_by_test_id("correction").inner_text()
    phone.set_input_files(f"[name=material_{slots[1]}]", photos[2])
    phone.locator('form[action$="/do/resubmit/"] button').click()
    phone.get_by_test_id("case-status").wait_for()
    case.refresh_from_db()
    assert case.status == "resubmitted"

    act(reviewer, live_server, case.number, "start_review")
    approver = sign_in_staff(browser, live_server, "approver")
    act(approver, live_server, case.number, "approve")
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("concluded", "approved")

    # The resident sees the conclusion, and the notification in his inbox.
    phone.goto(f"{live_server.url}/cases/{case.number}/")
    assert phone.get_by_test_id("outcome").is_visible()
    assert len(phone.get_by_test_id("timeline").locator("li").all()) >= 8
    screenshot(phone, "case-concluded-390x844")
    phone.goto(live_server.url + "/inbox/")
    assert case.number in phone.locator("main").inner_text()
    screenshot(phone, "case-inbox-390x844")
