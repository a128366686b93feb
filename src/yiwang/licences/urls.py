from django.urls import path

from yiwang.licences import views

app_name = "licences"

urlpatterns = [
    path("", views.my_licences, name="mine"),
    path("verify/", views.verify_home, name="verify_home"),
    path("verify/<str:number>/", views.verify_page, name="verify"),
    path("registry/", views.registry, name="registry"),
    path("registry/<str:number>/revoke/", views.registry_revoke, name="revoke"),
    path("notices/<int:notice_id>.pdf", views.notice_pdf, name="notice_pdf"),
    path("<str:number>.pdf", views.licence_pdf, name="pdf"),
]
