from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.inbox_mark_all_read, name="read_all"),
    path("<int:notification_id>/open/", views.notification_open, name="open"),
]
