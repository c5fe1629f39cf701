from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class QueryLanguageMiddleware:
    """`?lang=en` (or zh-hans) switches the interface language and remembers it in a cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lang = request.GET.get("lang")
        supported = {code for code, _name in settings.LANGUAGES}
        if lang in supported:
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = lang
            translation.activate(lang)
        response = self.get_response(request)
        if lang in supported:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response
