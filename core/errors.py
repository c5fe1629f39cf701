"""Domain errors shared by services, pages and the API.

Services raise Django's ValidationError (422 in the API) with a stable `code`, `Conflict` when the
request clashes with what exists (409), PermissionDenied (403) and Http404 / DoesNotExist (404).
"""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The request is well-formed but clashes with existing data (a duplicate, a stale state)."""
