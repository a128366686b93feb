from django.http import HttpResponse
from django.urls import path

app_name = "calendar"

urlpatterns: list = [path("deadline/", lambda r: HttpResponse(status=501), name="deadline")]
