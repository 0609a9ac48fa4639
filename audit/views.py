"""The audit chain's sealed heads as open data: anyone may keep a copy, and `audit_verify
--published COPY` later catches a rewrite of both the database and the seal file."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from audit.services import heads_published


@require_GET
def audit_heads_json(request: HttpRequest) -> JsonResponse:
    """The newest sealed heads (number = records chained, hash, time), newest first; public."""
    response = JsonResponse({"heads": heads_published()})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=60"
    return response
