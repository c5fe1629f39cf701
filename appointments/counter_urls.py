from django.urls import path

from appointments import counter_views as views

app_name = "hall"
urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("counter/choose/", views.counter_choose, name="counter_choose"),
    path("counter/call/", views.counter_call, name="counter_call"),
    path("counter/tickets/<int:pk>/<slug:action>/", views.ticket_act, name="ticket_act"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:centre_id>/", views.plan_edit, name="plan_edit"),
    path("firings/<int:pk>/acknowledge/", views.firing_acknowledge, name="firing_acknowledge"),
]
