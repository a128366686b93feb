from django.urls import path

from yiwang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register, name="register"),
    path("register/citizen/", views.register_citizen, name="register_citizen"),
    path("register/citizen/confirm/", views.register_citizen_confirm, name="register_citizen_confirm"),
    path("register/enterprise/", views.register_enterprise, name="register_enterprise"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/backup-codes/", views.backup_codes, name="backup_codes"),
    path("me/", views.me, name="me"),
]
