"""The bare stack's claim over HTTP: the same gunicorn, the same middleware, the same tables, and
nothing of the product's claim but one `UPDATE … FOR UPDATE SKIP LOCKED … RETURNING` and one INSERT
(bench/claims.py has the SQL). No login, no CSRF: it is the floor the real claim is measured against."""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

BARE_CLAIM_SQL = (
    "UPDATE placements_seat SET state = 'claimed' WHERE id = ("
    "SELECT id FROM placements_seat WHERE group_id = %s AND birth_year = %s AND state = 'general' "
    "ORDER BY published_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
)
BARE_TABLE = "bench_bare_claim"


@csrf_exempt
@require_POST
def bare_claim(request: HttpRequest) -> HttpResponse:
    """POST application, group (id), birth_year: 200 with the seat id, or 409 when none is free."""
    try:
        application, group, birth_year = (int(request.POST[name]) for name in ("application", "group", "birth_year"))
    except (KeyError, ValueError):
        return HttpResponse("application, group and birth_year are required\n", status=400, content_type="text/plain")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BARE_CLAIM_SQL, [group, birth_year])
        taken = cursor.fetchone()
        if taken is None:
            return HttpResponse("no seat\n", status=409, content_type="text/plain")
        cursor.execute(f"INSERT INTO {BARE_TABLE} (seat_id, application_id, claimed_at) VALUES (%s, %s, now())", [taken[0], application])
    return HttpResponse(f"{taken[0]}\n", content_type="text/plain")
