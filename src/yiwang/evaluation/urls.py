from django.urls import path

from yiwang.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("r/<str:token>/", views.rate_by_link, name="rate_by_link"),
    path("rate/", views.rate_public, name="rate_public"),
    path("public/", views.public_page, name="public"),
    path("window/<int:window_id>/device/", views.window_device, name="window_device"),
    path("console/", views.console_home, name="console_home"),
    path("console/window/", views.console_window, name="console_window"),
    path("console/rectifications/", views.console_rectifications, name="console_rectifications"),
    path("console/rectifications/overdue/", views.console_mark_overdue, name="console_mark_overdue"),
    path("console/rectifications/<int:pk>/", views.console_rectification, name="console_rectification"),
    path("console/appeals/", views.console_appeals, name="console_appeals"),
    path("console/appeals/<int:pk>/", views.console_appeal, name="console_appeal"),
]
