from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.resident_login, name="login"),
    path("sms-code/", views.sms_code_request, name="sms_code"),
    path("staff/login/", views.staff_login, name="staff_login"),
    path("logout/", views.sign_out, name="logout"),
]
