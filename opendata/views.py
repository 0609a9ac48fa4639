"""Public pages (SPEC §8). Placeholders until the open-data pages land."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


def _placeholder(request: HttpRequest) -> HttpResponse:
    return render(request, "opendata/placeholder.html")


free_seats = releases = directions = queues = kindergartens = queue_check = require_GET(_placeholder)
