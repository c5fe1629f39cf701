"""The resident's privacy page: his shared data, his consents, and who looked at his data (data tracker)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from core.http import role_required
from core.models import Department
from residents.models import Consent, FactCategory, Resident
from residents.registry import (
    consent_grant,
    consent_revoke,
    consents_of,
    data_access_entry,
    data_accesses_of,
    facts_current,
)

TRACKER_PAGE_SIZE = 20


class ConsentForm(forms.Form):
    """Only parses input; the rules live in residents.registry.consent_grant."""

    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.none(),
        empty_label=gettext_lazy("Choose a department"),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Data"), choices=[("", gettext_lazy("Choose the data")), *FactCategory.choices]
    )

    def __init__(self, *args: Any, city_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(city_id=city_id).order_by("level", "district__code", "kind")
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


def _own_resident(request: HttpRequest) -> Resident | None:
    user: User = request.user  # type: ignore[assignment]
    return Resident.objects.filter(user=user).first()


@role_required(Role.RESIDENT)
def privacy(request: HttpRequest) -> HttpResponse:
    resident = _own_resident(request)
    if resident is None:
        return render(request, "residents/privacy.html", {"resident": None})
    page = Paginator(data_accesses_of(resident=resident), TRACKER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "resident": resident,
        "facts": facts_current(resident=resident).values(),
        "consents": consents_of(resident=resident),
        "consent_form": ConsentForm(city_id=resident.city_id),
        "page": page,
        "accesses": [data_access_entry(event) for event in page],
    }
    return render(request, "residents/privacy.html", context)


@require_POST
@role_required(Role.RESIDENT)
def consent_grant_view(request: HttpRequest) -> HttpResponse:
    resident = _own_resident(request)
    if resident is None:
        raise Http404
    form = ConsentForm(request.POST, city_id=resident.city_id)
    if not form.is_valid():
        messages.error(request, _("Please choose a department and a kind of data."))
        return redirect("privacy:page")
    try:
        consent = consent_grant(
            resident_user=request.user,  # type: ignore[arg-type]
            department=form.cleaned_data["department"],
            category=form.cleaned_data["category"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(department)s may now use your %(data)s.")
            % {"department": consent.department.name, "data": consent.get_category_display()},
        )
    return redirect("privacy:page")


@require_POST
@role_required(Role.RESIDENT)
def consent_revoke_view(request: HttpRequest, consent_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        consent = consent_revoke(resident_user=user, consent_id=consent_id, request=request)
    except Consent.DoesNotExist:
        raise Http404
    messages.success(
        request,
        _("Consent withdrawn: %(department)s can no longer use your %(data)s.")
        % {"department": consent.department.name, "data": consent.get_category_display()},
    )
    return redirect("privacy:page")
