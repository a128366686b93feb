from django.urls import path

from yiwang.calendar import views

app_name = "calendar"

urlpatterns = [
    path("deadline/", views.deadline, name="deadline"),
    path("calendar/days/", views.month, name="days"),
]
