from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from notifications.models import Notification
from notifications.selectors import inbox_for
from notifications.services import is_site_path, notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 20


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go where it points: a path on this site, else back to the inbox."""
    try:
        notification = notification_mark_read(user=request.user, notification_id=notification_id)  # type: ignore[arg-type]
    except Notification.DoesNotExist:
        raise Http404
    if notification.link and is_site_path(notification.link):
        return redirect(notification.link)
    return redirect("notifications:inbox")


@require_POST
@login_required
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)  # type: ignore[arg-type]
    return redirect("notifications:inbox")
