from django.urls import path

from appointments import views

app_name = "appointments"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("book/", views.book, name="book"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("tickets/<str:token>/", views.ticket, name="ticket"),
    path("hall/<str:centre_code>/", views.hall_qr, name="hall_qr"),
    path("hall/<str:centre_code>/kiosk/", views.kiosk, name="kiosk"),
    path("hall/<str:centre_code>/kiosk/tickets/<str:token>/", views.kiosk_ticket, name="kiosk_ticket"),
    path("hall/<str:centre_code>/display/", views.display, name="display"),
    path("hall/<str:centre_code>/display/feed/", views.display_feed, name="display_feed"),
]
