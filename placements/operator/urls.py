from django.contrib.auth import views as auth_views
from django.urls import path

from placements.operator import views, withdrawals
from placements.operator.forms import OperatorLoginForm

app_name = "operator"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="operator/login.html", authentication_form=OperatorLoginForm, next_page="operator:dashboard"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="operator:login"), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("kindergartens/<slug:code>/release/", views.release, name="release"),
    path("kindergartens/<slug:code>/seats/", views.seats, name="seats"),
    path("kindergartens/<slug:code>/directions/", views.directions, name="directions"),
    path("kindergartens/<slug:code>/documents/", views.documents, name="documents"),
    path("kindergartens/<slug:code>/history/", views.history, name="history"),
    path("seats/<int:pk>/withdraw/", views.seat_withdraw_confirm, name="seat_withdraw"),
    path("groups/<slug:code>/withdraw/", withdrawals.seats_withdraw_bulk, name="seats_withdraw_bulk"),
    path("directions/<int:number>/", views.direction, name="direction"),
    path("directions/<int:number>/enroll/", views.direction_enroll_submit, name="direction_enroll"),
    path("directions/<int:number>/documents/", views.direction_flag, name="direction_flag"),
]
