from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class StaffIdleTimeoutMiddleware:
    """Staff sessions expire after 30 idle minutes: each request pushes the expiry forward."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_staff_member", False):
            request.session.set_expiry(settings.STAFF_IDLE_TIMEOUT_SECONDS)
        return self.get_response(request)
