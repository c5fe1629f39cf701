from django.contrib import admin
from django.urls import include, path

from onewindow.api import api
from onewindow.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("residents/", include("residents.urls")),
    path("audit/", include("audit.urls")),
    path("services/", include("catalogue.urls")),
    path("cases/", include("cases.urls")),
    path("inbox/", include("notifications.urls")),
    path("hall/", include("appointments.counter_urls")),
    path("licences/", include("licences.urls")),
    path("appointments/", include("appointments.urls")),
    path("privacy/", include("residents.privacy_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
