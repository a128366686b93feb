from django.http import HttpResponse
from django.urls import path

app_name = "notify"

urlpatterns: list = [path("", lambda r: HttpResponse(status=501), name="inbox")]
