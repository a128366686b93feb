from django.urls import path

from yiwang.workflow import views

app_name = "workflow"

urlpatterns = [
    path("", views.process_list, name="list"),
    path("<int:pk>/", views.process_detail, name="detail"),
    path("<int:pk>/diagram.svg", views.process_diagram, name="diagram"),
]
