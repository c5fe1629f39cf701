from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.my_cases, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("intake/", views.intake, name="intake"),
    path("apply/<str:code>/", views.apply, name="apply"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/edit/", views.edit, name="edit"),
    path("<str:number>/do/<slug:action>/", views.act, name="act"),
    path("<str:number>/materials/<int:material_id>/", views.material_file, name="material"),
    path(
        "<str:number>/materials/<int:material_id>/thumbnail/",
        views.material_file,
        {"thumbnail": True},
        name="thumbnail",
    ),
]
