from django.urls import path

from licences import views

app_name = "licences"
urlpatterns = [
    path("", views.my_licences, name="mine"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("<str:number>/pdf", views.pdf, name="pdf"),
]
