"""Which city a request is about. Signed-in users belong to one; visitors get the default city.

ONEWINDOW_DEFAULT_CITY (an administrative code) picks the default for a multi-city install;
without it, the first city by code.
"""

from django.conf import settings
from django.http import Http404, HttpRequest

from core.models import City


def current_city(request: HttpRequest) -> City:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.city_id:  # type: ignore[union-attr]
        return user.city  # type: ignore[union-attr,return-value]
    cities = City.objects.order_by("code")
    if settings.ONEWINDOW_DEFAULT_CITY:
        cities = cities.filter(code=settings.ONEWINDOW_DEFAULT_CITY)
    city = cities.first()
    if city is None:
        raise Http404("No city is configured yet: run `manage.py load_demo_data` or add one in the admin.")
    return city
