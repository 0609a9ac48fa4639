from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.demo_phone, name="demo_phone"),
]
