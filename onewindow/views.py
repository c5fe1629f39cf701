from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import RESIDENT_DATA_ROLES, Role
from residents.selectors import residents_visible_to


def home(request: HttpRequest) -> HttpResponse:
    """One address for everybody: the landing page, a resident's home, or a staff member's desk."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home/landing.html")
    if user.role == Role.RESIDENT:  # type: ignore[union-attr]
        resident = getattr(user, "resident", None)
        return render(request, "home/resident.html", {"resident": resident})
    context: dict[str, object] = {"role": user.get_role_display()}  # type: ignore[union-attr]
    if user.role in RESIDENT_DATA_ROLES:  # type: ignore[union-attr]
        context["resident_count"] = residents_visible_to(user).count()  # type: ignore[arg-type]
    return render(request, "home/staff.html", context)
