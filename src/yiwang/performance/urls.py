from django.urls import path

from yiwang.performance import views

app_name = "performance"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data.json", views.dashboard_json, name="dashboard_data"),
    path("assessments/", views.assessment_list, name="assessments"),
    path("assessments/compute/", views.assessment_compute, name="assessment_compute"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/publish/", views.assessment_publish, name="assessment_publish"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("hall/<int:hall_id>/display/", views.hall_display, name="hall_display"),
]
