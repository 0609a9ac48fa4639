from django.urls import path

from queues import staff_views, views

app_name = "queues"

urlpatterns = [
    path("cabinet/", views.cabinet, name="cabinet"),
    path("staff/documents/<int:pk>/", staff_views.benefit_document, name="benefit_document"),
]
