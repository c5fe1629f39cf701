from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from audit.models import Outcome
from audit.selectors import audit_events_for
from core.http import role_required


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=60)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", _("Any")), *Outcome.choices])
    resident = forms.IntegerField(label=_("Resident no."), required=False, min_value=1)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@role_required(Role.AUDITOR)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for(
        viewer=request.user,  # type: ignore[arg-type]
        action=filters.get("action") or "",
        actor=filters.get("actor") or "",
        outcome=filters.get("outcome") or "",
        subject_resident_id=filters.get("resident"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    ).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"form": form, "page": page})
