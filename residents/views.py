from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import RESIDENT_DATA_ROLES, Role
from core.http import role_required
from residents.forms import CounterRegistrationForm, RegistrationForm, RevealForm
from residents.models import Resident
from residents.selectors import resident_get_for, residents_visible_to
from residents.services import resident_register, resident_register_at_counter, resident_reveal

STAFF_WHO_SEE_RESIDENTS = tuple(RESIDENT_DATA_ROLES)


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = resident_register(
                name=data["name"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                community_id=data["community"],
                password=data["password"],
                sms_code=data.get("sms_code") or "",
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, resident.user, backend="accounts.backends.MobilePasswordBackend")
            return redirect("home")
    return render(request, "residents/register.html", {"form": form})


@role_required(Role.COUNTER_CLERK, Role.COMMUNITY_WORKER)
def register_at_counter(request: HttpRequest) -> HttpResponse:
    """A walk-in without an account: record him from his ID card, then file his case."""
    form = CounterRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = resident_register_at_counter(
                actor=request.user,  # type: ignore[arg-type]
                name=data["name"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                community_id=data["community"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            from cases.views import intake_remember  # the intake desk's memory of who is in front of him

            intake_remember(request, resident.pk)
            return redirect(f"{reverse('cases:intake')}?resident={resident.pk}")
    return render(request, "residents/register_at_counter.html", {"form": form})


@role_required(*STAFF_WHO_SEE_RESIDENTS)
def resident_list(request: HttpRequest) -> HttpResponse:
    residents = residents_visible_to(request.user).order_by("community__code", "name", "id")  # type: ignore[arg-type]
    query = request.GET.get("q", "").strip()
    if query:
        residents = residents.filter(name__contains=query)
    page = Paginator(residents, 25).get_page(request.GET.get("page"))
    return render(request, "residents/list.html", {"page": page, "query": query})


@role_required(*STAFF_WHO_SEE_RESIDENTS)
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    try:
        resident = resident_get_for(
            viewer=request.user,  # type: ignore[arg-type]
            resident_id=resident_id,
            purpose=_("View resident record"),
            request=request,
        )
    except Resident.DoesNotExist:
        raise Http404
    return render(request, "residents/detail.html", {"resident": resident, "reveal_form": RevealForm()})


@require_POST
@role_required(*STAFF_WHO_SEE_RESIDENTS)
def resident_reveal_view(request: HttpRequest, resident_id: int) -> HttpResponse:
    form = RevealForm(request.POST)
    value, error = None, None
    if form.is_valid():
        try:
            value = resident_reveal(
                actor=request.user,  # type: ignore[arg-type]
                resident_id=resident_id,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except Resident.DoesNotExist:
            raise Http404
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Please give the reason for viewing the full value.")
    context = {"value": value, "error": error, "field": request.POST.get("field")}
    return render(request, "residents/_revealed.html", context, status=400 if error else 200)
