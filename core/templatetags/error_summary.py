"""{% error_items form form2 … as items %}: the errors of a page's forms, for `_error_summary.html`
(the GOV.UK error summary: each message a link to its field, issue 11)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms, template

register = template.Library()


@dataclass(frozen=True)
class ErrorItem:
    href: str  # "#id_<field>", or "" for an error of the whole form
    label: str
    message: str


def _field_anchor(field: forms.BoundField) -> str:
    """The id the browser can jump to: a radio or checkbox list's first input (its own id is empty)."""
    if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id or ""


def _items(form: forms.BaseForm) -> list[ErrorItem]:
    if not form.is_bound or not form.errors:
        return []
    items = [ErrorItem("", "", str(message)) for message in form.non_field_errors()]
    for field in form:
        for message in field.errors:
            anchor = _field_anchor(field)
            items.append(ErrorItem(f"#{anchor}" if anchor else "", str(field.label or ""), str(message)))
    return items


@register.simple_tag
def error_items(*candidates: object) -> list[ErrorItem]:
    """Every error of the given forms in their fields' order; anything not a form is skipped, so a
    page passes its optional forms as they are."""
    return [item for candidate in candidates if isinstance(candidate, forms.BaseForm) for item in _items(candidate)]
