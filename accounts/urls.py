from django.urls import path

from accounts import views

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
    path("kiosk/activate/", views.kiosk_activate, name="kiosk_activate"),
    path("kiosk/finish/", views.kiosk_finish, name="kiosk_finish"),
]
