from django.urls import path

from yiwang.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.console, name="console"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/<slug:kind>/", views.alert_action, name="alert_action"),
    path("rules/", views.rules, name="rules"),
    path("rules/<slug:code>/", views.rule_save, name="rule_save"),
    path("rules/<slug:code>/overrides/", views.override_save, name="override_save"),
    path("overrides/<int:pk>/delete/", views.override_delete, name="override_delete"),
]
