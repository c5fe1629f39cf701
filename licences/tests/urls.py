"""The project's URLs, plus the licence pages and API where the project does not route them yet."""

from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI

from licences.api import router
from onewindow.api import api as project_api
from onewindow.urls import urlpatterns as project_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "licences" for p in project_urlpatterns):
    urlpatterns.insert(0, path("licences/", include("licences.urls")))
if not any(mounted is router for _prefix, mounted in project_api._routers):
    api = NinjaAPI(title="licences (tests)", urls_namespace="licences_test_api", docs_url=None)
    api.add_router("", router)
    urlpatterns.insert(0, path("api/v1/licences/", api.urls))
