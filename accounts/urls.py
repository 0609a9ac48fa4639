from django.urls import path

from accounts import kiosk_views, twofactor_views, views

app_name = "accounts"

urlpatterns = [
    path("cabinet/login/", views.login_start, name="login"),
    path("cabinet/login/code/", views.login_code, name="code"),
    path("cabinet/login/password/", views.login_password, name="password"),
    path("cabinet/password/", views.password_new, name="password_new"),
    path("cabinet/password/reset/", views.password_reset_start, name="password_reset"),
    path("cabinet/logout/", views.logout, name="logout"),
    path("cabinet/device/", views.device, name="device"),
    path("kiosk/", views.kiosk_start, name="kiosk"),
    path("kiosk/activate/", kiosk_views.kiosk_activate, name="kiosk_activate"),
    path("kiosk/activate/status/", kiosk_views.kiosk_activate_status, name="kiosk_activate_status"),
    path("kiosk/finish/", views.kiosk_finish, name="kiosk_finish"),
    # The second factor of staff and operators (accounts/twofactor.py).
    path("staff/2fa/", twofactor_views.second_factor, name="staff_2fa"),
    path("staff/2fa/enrol/", twofactor_views.enrol, name="staff_2fa_enrol"),
    path("staff/2fa/verify/", twofactor_views.verify, name="staff_2fa_verify"),
    path("staff/2fa/recovery-codes/", twofactor_views.recovery_codes, name="staff_2fa_recovery"),
]
