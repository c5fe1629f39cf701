from ninja import Schema


class ErrorOut(Schema):
    """Every API error: a stable machine code, a message in the request's language, field errors."""

    code: str
    message: str
    errors: dict[str, list[dict[str, str]]] | None = None


ERRORS_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
ERRORS_WRITE = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
