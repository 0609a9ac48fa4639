from django.urls import path

from opendata import views

app_name = "opendata"

urlpatterns = [
    path("free-seats/", views.free_seats, name="free_seats"),
    path("releases/", views.releases, name="releases"),
    path("directions/", views.directions, name="directions"),
    path("queues/", views.queues, name="queues"),
    path("kindergartens/", views.kindergartens, name="kindergartens"),
    path("kindergarten/<slug:code>/", views.kindergarten, name="kindergarten"),
    path("check/", views.queue_check, name="queue_check"),
    # Issue 11: a printed direction's QR code and check number lead here (short, for the QR).
    path("d/<str:check>/", views.direction_verify, name="direction_verify"),
    path("directions/<str:check>/", views.direction_verify),
]
