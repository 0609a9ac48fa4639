from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("locality/", views.locality_choose, name="locality_choose"),
]
