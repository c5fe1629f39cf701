"""The JSON API (django-ninja). Errors are JSON `{code, message, errors}` with the right status.

Endpoints live in each app's `api.py` as routers and call the same services as the pages.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError

from core.errors import Conflict

api = NinjaAPI(
    title="OneWindow API",
    version="1",
    description="一窗通办 OneWindow: community affairs through one window.",
    urls_namespace="api",
)


def _field_errors(exc: ValidationError) -> dict[str, list[dict[str, str]]]:
    if not hasattr(exc, "error_dict"):
        return {}
    return {
        field: [{"code": e.code or "invalid", "message": " ".join(e.messages)} for e in errors]
        for field, errors in exc.error_dict.items()
    }


def _first_code(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        for errors in exc.error_dict.values():
            for error in errors:
                return error.code or "invalid"
    if hasattr(exc, "error_list"):
        for error in exc.error_list:
            return error.code or "invalid"
    return "invalid"


def error_response(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ValidationError)
def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    status = 409 if isinstance(exc, Conflict) else 422
    return error_response(request, status, _first_code(exc), " ".join(exc.messages), errors=_field_errors(exc))


@api.exception_handler(SchemaValidationError)
def _on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    return error_response(
        request, 422, "invalid_request", _("The request is not valid."), errors={"schema": exc.errors}
    )


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 401, "not_authenticated", _("Please sign in first."))


@api.exception_handler(PermissionDenied)
def _on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("You are not allowed to do this."))


@api.exception_handler(ObjectDoesNotExist)
def _on_missing(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(Http404)
def _on_http404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


from cases.api import router as cases_router  # noqa: E402
from catalogue.api import router as catalogue_router  # noqa: E402
from core.api import router as places_router  # noqa: E402
from licences.api import router as licences_router  # noqa: E402
from notifications.api import router as notifications_router  # noqa: E402
from residents.api import router as residents_router  # noqa: E402
from residents.sharing_api import router as registry_router  # noqa: E402

api.add_router("/places", places_router)
api.add_router("/residents", residents_router)
api.add_router("/catalogue", catalogue_router)
api.add_router("/cases", cases_router)
api.add_router("/notifications", notifications_router)
api.add_router("/licences", licences_router)
api.add_router("/registry", registry_router)
