from django.urls import path

from opendata import snapshot_views, views

app_name = "opendata"

urlpatterns = [
    path("free-seats/", views.free_seats, name="free_seats"),
    path("releases/", views.releases, name="releases"),
    path("directions/", views.directions, name="directions"),
    path("queues/", views.queues, name="queues"),
    path("kindergartens/", views.kindergartens, name="kindergartens"),
    path("kindergarten/<slug:code>/", views.kindergarten, name="kindergarten"),
    path("check/", views.queue_check, name="queue_check"),
    # Issue 12: the daily snapshots, their format, and each file of a kept day.
    path("snapshots/", snapshot_views.snapshots, name="snapshots"),
    path("snapshots/format/", snapshot_views.snapshot_format, name="snapshot_format"),
    path("snapshots/<str:day>/<str:name>", snapshot_views.snapshot_download, name="snapshot_download"),
    # Issue 11: a printed direction's QR code and check number lead here (short, for the QR).
    path("d/<str:check>/", views.direction_verify, name="direction_verify"),
    path("directions/<str:check>/", views.direction_verify),
    # Issue 12: every seat's story (seat ids are not personal; the release protocol shows them).
    path("seats/<int:seat_id>/", views.seat_story, name="seat_story"),
]
