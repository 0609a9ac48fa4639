"""Staff-only access to benefit documents (never public, never by a guessable URL alone)."""

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from queues.models import BenefitDocument


@require_GET
@permission_required("queues.view_application", raise_exception=True)
def benefit_document(request: HttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(BenefitDocument, pk=pk)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True, filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
