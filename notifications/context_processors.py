from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    """`unread_notifications`: the signed-in user's unread count, one COUNT query, and only if a
    template uses it (0 without a query for anonymous visitors)."""
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=request.user))}
