"""The project's URLs plus the privacy pages and the registry API, for tests written before the wiring.

The registry API gets its own NinjaAPI (namespace "test_registry_api") with the project API's
error handlers, so its errors have the same {code, message} shape as in production.
"""

from django.urls import include, path
from ninja import NinjaAPI

from onewindow.api import api as project_api
from onewindow.urls import urlpatterns as project_urlpatterns
from residents.sharing_api import router as registry_router

registry_api = NinjaAPI(title="OneWindow registry API (tests)", version="test", urls_namespace="test_registry_api")
for exception_class, handler in project_api._exception_handlers.items():
    registry_api.add_exception_handler(exception_class, handler)
registry_api.add_router("/registry", registry_router)

REGISTRY_API_ROOT = "/test-registry-api/"

urlpatterns = [
    path("privacy/", include("residents.privacy_urls")),
    path(REGISTRY_API_ROOT.strip("/") + "/", registry_api.urls),
    *project_urlpatterns,
]
