"""The holder's licence list and PDF, served to him and to staff who may see the issuing case only."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from licences.services import licence_issue
from licences.tests.conftest import issue
from tests.helpers import signed_in

pytestmark = pytest.mark.urls("licences.tests.urls")


def test_the_resident_sees_his_licences_in_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    world, disability, employment, django_assert_num_queries
) -> None:
    issue(world, disability)
    issue(world, employment)
    licence_issue(
        actor=None, holder=world.resident_changan, kind=disability, issuing_department=world.yanta_civil_affairs
    )
    client = signed_in(world.resident.user)
    client.get(reverse("licences:mine"))  # warm the session
    with django_assert_num_queries(4):  # session, user, licences, unread notifications
        response = client.get(reverse("licences:mine"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="licence-row"') == 2
    assert "610100-DC-2026-000001" in html and "610100-EC-2026-000001" in html
    assert "610100-DC-2026-000002" not in html, "another resident's licence"


def test_the_licence_list_is_for_residents(world) -> None:  # type: ignore[no-untyped-def]
    anonymous = signed_in(world.resident.user)
    anonymous.logout()
    assert anonymous.get(reverse("licences:mine")).status_code == 302
    assert signed_in(world.staff["counter_clerk"]).get(reverse("licences:mine")).status_code == 403


def test_the_holder_downloads_a_pdf_with_the_number_and_a_qr_code(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability)
    response = signed_in(world.resident.user).get(reverse("licences:pdf", args=[licence.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    assert b"/Subtype /Image" in response.content, "the QR code"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text was not checked")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert licence.number in text
    assert licence.holder.id_number_masked in text
    assert licence.holder.id_number not in text


def test_the_pdf_is_for_the_holder_and_staff_who_may_see_the_case(world, disability, approved_case) -> None:  # type: ignore[no-untyped-def]
    licence = licence_issue(
        actor=None, holder=world.resident, kind=disability, issuing_department=world.yanta_civil_affairs,
        case=approved_case,
    )  # fmt: skip
    url = reverse("licences:pdf", args=[licence.number])
    assert signed_in(world.staff["reviewer"]).get(url).status_code == 200
    for outsider in ("changan_reviewer", "clerk_changan", "auditor"):
        assert signed_in(world.staff[outsider]).get(url).status_code == 404, outsider
    without_case = issue(world, disability)  # replaces it; issued by no case
    reviewer = signed_in(world.staff["reviewer"])
    assert reviewer.get(reverse("licences:pdf", args=[without_case.number])).status_code == 404
    anonymous = signed_in(world.resident.user)
    anonymous.logout()
    assert anonymous.get(url).status_code == 302


def test_another_resident_cannot_download_the_pdf(world, disability) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import Role
    from tests.factories import UserFactory

    licence = issue(world, disability)
    world.resident_changan.user = UserFactory(username="13900000002", mobile="13900000002", role=Role.RESIDENT)
    world.resident_changan.save(update_fields=["user"])
    other = signed_in(world.resident_changan.user)
    assert other.get(reverse("licences:pdf", args=[licence.number])).status_code == 404
    assert other.get(reverse("licences:pdf", args=["610100-DC-2026-999999"])).status_code == 404


def test_the_city_admin_lists_licences_of_his_city_only(world, disability) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import DepartmentFactory

    licence = issue(world, disability)
    other_department = DepartmentFactory(district=world.other_city_resident.community.subdistrict.district)
    elsewhere = licence_issue(
        actor=None, holder=world.other_city_resident, kind=disability, issuing_department=other_department
    )
    admin = signed_in(world.staff["city_admin"])
    listing = admin.get("/admin/licences/licence/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert licence.number in html and elsewhere.number not in html
    assert admin.get(f"/admin/licences/licence/{licence.pk}/change/").status_code == 200
    assert licence.verification_token not in admin.get(f"/admin/licences/licence/{licence.pk}/change/").content.decode()
    assert admin.get("/admin/licences/licence/add/").status_code == 403


def test_without_a_cjk_font_the_pdf_is_in_english_with_ascii_fields(world, disability, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from licences import pdf

    monkeypatch.setattr(pdf, "cjk_font", lambda: None)
    licence = issue(world, disability)
    content = pdf.licence_pdf(licence=licence, verify_url="https://example.org/licences/verify/t/")
    assert content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text was not checked")
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    assert "Disability certificate" in text and "Licence number" in text and licence.number in text
    assert licence.holder.name not in text
