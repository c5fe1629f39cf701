from django.urls import path

from residents import views

app_name = "residents"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("new/", views.register_at_counter, name="register_at_counter"),
    path("", views.resident_list, name="list"),
    path("<int:resident_id>/", views.resident_detail, name="detail"),
    path("<int:resident_id>/reveal/", views.resident_reveal_view, name="reveal"),
]
