from django.urls import path

from catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.catalogue_home, name="home"),
    path("search/", views.search, name="search"),
    path("negative-list/", views.negative_list, name="negative_list"),
    path("category/<slug:code>/", views.category_detail, name="category"),
    path("items/<str:code>/", views.guide, name="guide"),
    path("items/<str:code>/print/", views.guide_print, name="guide_print"),
    path("items/<str:code>/qr.svg", views.guide_qr, name="guide_qr"),
]
