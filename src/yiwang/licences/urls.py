from django.urls import path

app_name = "licences"

urlpatterns: list = []
