"""What each case event tells whom. Texts are rendered in the recipient-neutral default language
(zh-hans) at the time of the event; the inbox shows them as written."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from cases.models import Case

MESSAGES = {
    "submitted": (_("Application received"), _("Your application %(number)s for %(item)s has been received.")),
    "accepted": (_("Application accepted"), _("%(number)s %(item)s was accepted; it is due by %(due)s.")),
    "correction_requested": (
        _("Please correct your application"),
        _("%(number)s %(item)s needs corrections: %(message)s"),
    ),
    "resubmitted": (_("Corrections received"), _("%(number)s %(item)s was corrected by the applicant.")),
    "approved": (_("Application approved"), _("%(number)s %(item)s was approved.")),
    "rejected": (_("Application rejected"), _("%(number)s %(item)s was rejected: %(reason)s")),
    "withdrawn": (_("Application withdrawn"), _("%(number)s %(item)s was withdrawn.")),
    "transferred": (_("Case transferred"), _("%(number)s %(item)s was transferred to %(department)s.")),
    "escalated": (_("Overdue case"), _("%(number)s %(item)s is overdue (due %(due)s).")),
    "proxy_confirm": (
        _("Please confirm an application made for you"),
        _("%(creator)s applied for %(item)s on your behalf (%(number)s). Please confirm it."),
    ),
}


def applicants(case: Case) -> list[User]:
    people = [case.created_by]
    if case.resident.user_id and case.resident.user_id != case.created_by_id:
        people.append(case.resident.user)  # type: ignore[arg-type]
    return [p for p in people if p.role in (Role.RESIDENT, Role.COMMUNITY_WORKER)]


def department_staff(case: Case, *roles: str) -> list[User]:
    return list(User.objects.filter(department=case.handling_department, role__in=roles, is_active=True))


def case_notify(case: Case, event: str, recipients: Iterable[User], *, sms: bool = False, **extra: object) -> None:
    """Inside the caller's transaction: one inbox row per recipient and event, SMS after commit."""
    from notifications.services import notify

    people = [r for r in dict.fromkeys(recipients) if r is not None]
    if not people:
        return
    with translation.override("zh-hans"):
        title, body = MESSAGES[event]
        values = {
            "number": case.number,
            "item": case.item_version.name,
            "due": case.due_on.isoformat() if case.due_on else "",
            "creator": str(case.created_by),
            **extra,
        }
        notify(
            recipients=people,
            event_key=f"case:{case.number}:{event}:{case.history.count()}",
            title=str(title),
            body=str(body) % values,
            link=reverse("cases:detail", args=[case.number]),
            sms=sms,
        )
