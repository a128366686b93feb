from django.urls import path

from yiwang.console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("position/", views.switch_position, name="switch_position"),
    path("org/", views.org_tree, name="org"),
    path("people/", views.people, name="people"),
    path("people/<int:user_id>/unmask/", views.person_unmask_view, name="person_unmask"),
    path("audit/", views.audit_log, name="audit"),
]
