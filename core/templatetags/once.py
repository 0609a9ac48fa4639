"""{% form_token "scope" %}: the hidden one-time token of a form that changes something (core/once.py)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.once import FIELD, form_token_issue

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context: template.Context, scope: str) -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, form_token_issue(context["request"], scope=scope))
