from django.urls import path

from yiwang.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("large-font/", views.toggle_large_font, name="toggle_large_font"),
    path("healthz", views.healthz, name="healthz"),
]
