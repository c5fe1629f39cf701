"""The case workflow: one table of who may move a case from which status to which.

draft ─submit→ submitted ─accept→ accepted ─start_review→ under_review ─approve→ approved ─→ concluded
                   │                 │                         │        └reject→ rejected ─→ concluded
                   └─request_correction→ correction_requested ─resubmit→ resubmitted ─accept/start_review→ …
withdraw: any open status before the decision → withdrawn.   transfer: staff move an open case to another
department (the status stays; a history row records it).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from cases.models import CaseStatus as S

# action → (statuses it may start from, status it leads to, roles that may do it)
# "applicant" means the resident himself or whoever filed the case for him (proxy or clerk).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None, frozenset[str]]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED, frozenset({"applicant"})),
    "accept": (frozenset({S.SUBMITTED, S.RESUBMITTED}), S.ACCEPTED, frozenset({Role.COUNTER_CLERK, Role.REVIEWER})),
    "request_correction": (
        frozenset({S.SUBMITTED, S.RESUBMITTED, S.ACCEPTED, S.UNDER_REVIEW}),
        S.CORRECTION_REQUESTED,
        frozenset({Role.COUNTER_CLERK, Role.REVIEWER, Role.APPROVER}),
    ),
    "resubmit": (frozenset({S.CORRECTION_REQUESTED}), S.RESUBMITTED, frozenset({"applicant"})),
    "start_review": (frozenset({S.ACCEPTED, S.RESUBMITTED}), S.UNDER_REVIEW, frozenset({Role.REVIEWER, Role.APPROVER})),
    "approve": (frozenset({S.UNDER_REVIEW}), S.APPROVED, frozenset({Role.APPROVER})),
    "reject": (frozenset({S.UNDER_REVIEW}), S.REJECTED, frozenset({Role.APPROVER})),
    "conclude": (frozenset({S.APPROVED, S.REJECTED}), S.CONCLUDED, frozenset({"system", Role.APPROVER})),
    "withdraw": (
        frozenset({S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.CORRECTION_REQUESTED, S.RESUBMITTED, S.UNDER_REVIEW}),
        S.WITHDRAWN,
        frozenset({"applicant"}),
    ),
    "transfer": (
        frozenset({S.SUBMITTED, S.ACCEPTED, S.CORRECTION_REQUESTED, S.RESUBMITTED, S.UNDER_REVIEW}),
        None,
        frozenset({Role.REVIEWER, Role.APPROVER, Role.DISTRICT_MANAGER, Role.CITY_ADMIN}),
    ),
}

OPEN_STATUSES = frozenset({S.SUBMITTED, S.ACCEPTED, S.CORRECTION_REQUESTED, S.RESUBMITTED, S.UNDER_REVIEW})
FINAL_STATUSES = frozenset({S.CONCLUDED, S.WITHDRAWN})
CLOCK_RUNNING = frozenset({S.ACCEPTED, S.UNDER_REVIEW, S.RESUBMITTED})


def target_status(action: str, current: str) -> str:
    """The status `action` leads to from `current`, or a ValidationError naming why not."""
    sources, target, _roles = TRANSITIONS[action]
    if current not in sources:
        raise ValidationError(
            _("This case is %(status)s; it cannot be %(action)s now.")
            % {"status": S(current).label, "action": str(ACTION_LABELS.get(action, action))},
            code="illegal_transition",
        )
    return target or current


def roles_for(action: str) -> frozenset[str]:
    return TRANSITIONS[action][2]


ACTION_LABELS = {
    "submit": gettext_lazy("submitted"),
    "accept": gettext_lazy("accepted"),
    "request_correction": gettext_lazy("sent back for correction"),
    "resubmit": gettext_lazy("resubmitted"),
    "start_review": gettext_lazy("taken into review"),
    "approve": gettext_lazy("approved"),
    "reject": gettext_lazy("rejected"),
    "conclude": gettext_lazy("concluded"),
    "withdraw": gettext_lazy("withdrawn"),
    "transfer": gettext_lazy("transferred"),
}
