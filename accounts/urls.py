from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
         name="password-done"),
    path("start/", views.start, name="start"),
    path("totp/", views.totp_enrol, name="totp"),
    path("totp/verify/", views.totp_verify, name="totp-verify"),
]
