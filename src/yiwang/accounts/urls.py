from django.urls import path

from yiwang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.two_factor, name="login"),
    path("logout/", views.two_factor, name="logout"),
    path("register/", views.two_factor, name="register"),
    path("2fa/", views.two_factor, name="two_factor"),
]
