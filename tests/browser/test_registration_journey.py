import pytest

from residents.models import Resident
from tests.browser.fixtures import screenshot
from tests.factories import synthetic_id_number

pytestmark = pytest.mark.browser


def test_a_resident_registers_on_a_phone_in_chinese_and_sees_his_home_page(live_server, world, phone) -> None:  # type: ignore[no-untyped-def]
    id_number = synthetic_id_number(region_code="610113", sex="female")
    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name="实名注册").click()

    phone.get_by_label("真实姓名").fill("陈小梅")
    phone.get_by_label("居民身份证号码").fill(id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))
    phone.get_by_label("手机号码").fill("13688886666")
    phone.get_by_label("所属社区").select_option(label=world.yanta_community.name)
    phone.get_by_label("密码").fill("Chang'an-2026!")
    phone.get_by_role("button", name="注册").click()
    assert "最后一位" in phone.locator("[data-field=id_number]").inner_text(), "a typo is explained in Chinese"
    assert phone.get_by_label("真实姓名").input_value() == "陈小梅", "the form stays filled"

    phone.get_by_label("居民身份证号码").fill(id_number)
    phone.get_by_label("密码").fill("Chang'an-2026!")
    phone.get_by_role("button", name="注册").click()

    home = phone.get_by_test_id("resident-home")
    home.wait_for()
    assert "陈小梅" in home.inner_text()
    body = phone.locator("main").inner_text()
    assert id_number[:6] + "********" + id_number[14:] in body
    assert id_number not in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    screenshot(phone, "resident-registration-home-390x844")
    assert Resident.objects.filter(id_number=id_number, name="陈小梅").exists()
