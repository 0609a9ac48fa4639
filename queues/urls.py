from django.urls import path

from queues import views

app_name = "queues"

urlpatterns = [
    path("cabinet/", views.cabinet, name="cabinet"),
]
