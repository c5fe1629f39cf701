"""The case from application to conclusion, through the services, with every refusal on the way."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from cases import services
from cases.intake import case_attach_material, case_start, case_submit
from cases.models import CaseStatus
from cases.routing import route_case
from cases.tests.conftest import form, jpeg_bytes, slots
from notifications.models import Notification


def submitted_case(world, item):  # type: ignore[no-untyped-def]
    resident_user = world.resident.user
    case = case_start(actor=resident_user, item=item, resident=world.resident)
    for slot in slots(item):
        case_attach_material(
            actor=resident_user, case=case, required_material_id=slot, name="photo.jpg", stream=jpeg_bytes()
        )
    return case_submit(
        actor=resident_user, case=case, form_data=form(), prefill={"applicant_name": "王建国", "phone": "13900000001"}
    )


def test_a_case_goes_from_application_to_conclusion_across_districts(
    world, item, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 9, 29, 9, 0, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            case = submitted_case(world, item)
        assert case.number.startswith("XA-20260929-")
        assert (case.fields_prefilled, case.fields_typed) == (2, 1), "name and phone came from the record"
        # A clerk of a centre in another district takes the 雁塔区 resident's case: city-wide handling.
        case = services.case_accept(actor=world.staff["clerk_changan"], case=case)
        assert case.receiving_centre == world.changan_centre
        assert case.handling_department == world.yanta_civil_affairs, "routing ignores where it was received"
        # 5 working days from Tue 29 Sep skip National Day (1–7 Oct) and count make-up Saturday 10 Oct.
        assert case.due_on == dt.date(2026, 10, 12)
    with time_machine.travel(dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC), tick=False):
        case = services.case_request_correction(
            actor=world.staff["reviewer"],
            case=case,
            message="收入证明不清晰，请重新拍照",
            material_ids=[slots(item)[1]],
        )
        assert case.status == CaseStatus.CORRECTION_REQUESTED
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(ValidationError):
            services.case_resubmit(actor=world.resident.user, case=case)  # nothing uploaded yet
        case_attach_material(
            actor=world.resident.user,
            case=case,
            required_material_id=slots(item)[1],
            name="again.jpg",
            stream=jpeg_bytes("blue"),
        )
        case = services.case_resubmit(actor=world.resident.user, case=case)
        assert case.paused_working_days == 2, "paused from 30 Sep to Fri 9 Oct: 9 Oct and 30 Sep→... are working days"
        assert case.due_on > dt.date(2026, 10, 12), "the pause extends the due date"
        assert case.materials.filter(superseded=True).count() == 1, "the unclear photo is kept but marked replaced"
        case = services.case_start_review(actor=world.staff["reviewer"], case=case)
        with pytest.raises(PermissionDenied):
            services.case_approve(actor=world.staff["reviewer"], case=case)
        with django_capture_on_commit_callbacks(execute=True):
            case = services.case_approve(actor=world.staff["approver"], case=case)
    assert (case.status, case.outcome) == (CaseStatus.CONCLUDED, "approved")
    steps = list(case.history.values_list("action", flat=True))
    assert steps == [
        "start",
        "submit",
        "accept",
        "request_correction",
        "resubmit",
        "start_review",
        "approve",
        "conclude",
    ]
    assert AuditEvent.objects.filter(action="case.approve", object_id=str(case.pk)).exists()
    titles = set(Notification.objects.filter(recipient=world.resident.user).values_list("title", flat=True))
    assert {"申请已受理", "请补正您的申请", "申请已通过"} <= titles, "he hears of each step, in Chinese"


def test_illegal_transitions_are_refused_with_a_clear_error(world, item) -> None:  # type: ignore[no-untyped-def]
    case = submitted_case(world, item)
    with pytest.raises(ValidationError) as exc:
        services.case_approve(actor=world.staff["approver"], case=case)
    assert exc.value.code == "illegal_transition"
    with pytest.raises(ValidationError):
        services.case_resubmit(actor=world.resident.user, case=case)


def test_a_rejection_needs_a_reason(world, item) -> None:  # type: ignore[no-untyped-def]
    case = services.case_accept(actor=world.staff["counter_clerk"], case=submitted_case(world, item))
    case = services.case_start_review(actor=world.staff["reviewer"], case=case)
    with pytest.raises(ValidationError):
        services.case_reject(actor=world.staff["approver"], case=case, reason="")
    case = services.case_reject(actor=world.staff["approver"], case=case, reason="家庭收入高于当地低保标准")
    assert case.outcome == "rejected"
    assert case.history.get(action="reject").reason == "家庭收入高于当地低保标准"


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("counter_clerk", True), ("clerk_changan", True), ("reviewer", True), ("changan_reviewer", False),
        ("approver", False), ("district_manager", False), ("city_admin", False), ("auditor", False),
        ("community_worker", False),
    ],
)  # fmt: skip
def test_who_may_accept_a_case(world, item, persona, allowed) -> None:  # type: ignore[no-untyped-def]
    case = submitted_case(world, item)
    if allowed:
        assert services.case_accept(actor=world.staff[persona], case=case).status == CaseStatus.ACCEPTED
    else:
        with pytest.raises(PermissionDenied):
            services.case_accept(actor=world.staff[persona], case=case)


def test_staff_of_another_district_cannot_decide(world, item) -> None:  # type: ignore[no-untyped-def]
    case = services.case_accept(actor=world.staff["counter_clerk"], case=submitted_case(world, item))
    with pytest.raises(PermissionDenied):
        services.case_start_review(actor=world.staff["changan_reviewer"], case=case)


def test_routing_follows_the_item_level_and_the_residents_district(world, item) -> None:  # type: ignore[no-untyped-def]
    assert route_case(item=item, resident=world.resident) == world.yanta_civil_affairs
    assert route_case(item=item, resident=world.resident_changan).district == world.changan
    item.handling_level = "city"
    assert route_case(item=item, resident=world.resident_changan) == world.city_civil_affairs


def test_a_wrongly_routed_case_is_transferred_with_a_reason(world, item) -> None:  # type: ignore[no-untyped-def]
    case = submitted_case(world, item)
    with pytest.raises(ValidationError):
        services.case_transfer(actor=world.staff["reviewer"], case=case, department=world.city_civil_affairs, reason="")
    case = services.case_transfer(
        actor=world.staff["reviewer"], case=case, department=world.city_civil_affairs, reason="属市级事权，转市民政局"
    )
    assert case.handling_department == world.city_civil_affairs
    assert case.history.get(action="transfer").details["from_department"] == world.yanta_civil_affairs.name


def test_the_resident_withdraws_before_the_decision_only(world, item) -> None:  # type: ignore[no-untyped-def]
    case = submitted_case(world, item)
    with pytest.raises(PermissionDenied):
        services.case_withdraw(actor=world.staff["counter_clerk"], case=case)
    assert services.case_withdraw(actor=world.resident.user, case=case).status == CaseStatus.WITHDRAWN


def test_a_submission_missing_a_photo_or_a_field_changes_nothing(world, item) -> None:  # type: ignore[no-untyped-def]
    resident_user = world.resident.user
    case = case_start(actor=resident_user, item=item, resident=world.resident)
    case_attach_material(
        actor=resident_user, case=case, required_material_id=slots(item)[0], name="id.jpg", stream=jpeg_bytes()
    )
    with pytest.raises(ValidationError) as exc:
        case_submit(actor=resident_user, case=case, form_data=form(members=""))
    assert set(exc.value.error_dict) == {"members", "materials"}
    assert "收入证明" in " ".join(exc.value.error_dict["materials"][0].messages)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert case.materials.count() == 1, "the uploaded photo stays with the draft"
