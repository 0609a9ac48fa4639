"""Who may see what in the operator cabinet (SPEC §10): an operator sees only the kindergartens
bound to them through `Kindergarten.operators`; staff superusers see all. Every view finds its
object through one of these helpers, so an object of another kindergarten is a 404."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from placements.models import Direction, Group, Kindergarten, Seat


def operator_login_required(view: Callable) -> Callable:
    """Anonymous visitors go to the operator's login page, not the admin's."""
    return login_required(view, login_url="operator:login")


def operator_kindergartens(user) -> QuerySet[Kindergarten]:
    if not user.is_authenticated or not user.is_active:
        return Kindergarten.objects.none()
    if user.is_staff and user.is_superuser:
        return Kindergarten.objects.all()
    return Kindergarten.objects.filter(operators=user)


def kindergartens_for_operator(request: HttpRequest) -> QuerySet[Kindergarten]:
    """The user's kindergartens; an account bound to none is not an operator (403)."""
    kindergartens = operator_kindergartens(request.user).select_related("locality")
    if not kindergartens.exists():
        raise PermissionDenied
    return kindergartens


def get_kindergarten_for_operator(request: HttpRequest, code: str) -> Kindergarten:
    return get_object_or_404(operator_kindergartens(request.user).select_related("locality"), code=code)


def get_group_for_operator(request: HttpRequest, code: str) -> Group:
    return get_object_or_404(Group.objects.select_related("kindergarten").filter(kindergarten__in=operator_kindergartens(request.user)), code=code)


def get_seat_for_operator(request: HttpRequest, pk: int) -> Seat:
    return get_object_or_404(Seat.objects.select_related("group__kindergarten").filter(group__kindergarten__in=operator_kindergartens(request.user)), pk=pk)


def get_direction_for_operator(request: HttpRequest, number: int) -> Direction:
    directions = Direction.objects.select_related("application", "seat__group__kindergarten").filter(
        seat__group__kindergarten__in=operator_kindergartens(request.user)
    )
    return get_object_or_404(directions, number=number)


def group_of_kindergarten(request: HttpRequest, kindergarten: Kindergarten, code: str) -> Group:
    """A group chosen in a form of one kindergarten's page must belong to that kindergarten."""
    group = get_group_for_operator(request, code)
    if group.kindergarten_id != kindergarten.pk:
        raise Http404
    return group
