from django.urls import path

from residents import privacy_views

app_name = "privacy"
urlpatterns = [
    path("", privacy_views.privacy, name="page"),
    path("consents/", privacy_views.consent_grant_view, name="consent_grant"),
    path("consents/<int:consent_id>/revoke/", privacy_views.consent_revoke_view, name="consent_revoke"),
]
