from django.urls import path

from yiwang.cases import views
from yiwang.cases.views_handling import urlpatterns as handling_urlpatterns

app_name = "cases"

urlpatterns = [
    path("apply/<str:base_code>/", views.apply, name="apply"),
    path("drafts/<int:pk>/", views.draft, name="draft"),
    path("mine/", views.my_cases, name="my_cases"),
    path("mine/<int:pk>/", views.my_case, name="my_case"),
    path("mine/<int:pk>/supplement/", views.supplement_upload, name="supplement_upload"),
    path("mine/<int:pk>/deferrals/<int:deferral_pk>/", views.deferral_supply, name="deferral_supply"),
    path("notices/<int:pk>/download/", views.notice_download, name="notice_download"),
    path("query/", views.status_query, name="query"),
    path("console/acceptance/", views.console_acceptance, name="console_acceptance"),
    path("console/cases/<int:pk>/", views.console_case, name="console_case"),
    path("console/cases/<int:pk>/<str:action>/", views.console_action, name="console_action"),
    path("console/file/", views.console_file, name="console_file"),
    path("console/filed/", views.console_filed, name="console_filed"),
    path("console/receipts/<int:pk>/", views.console_receipt, name="console_receipt"),
    path("console/supervision/", views.console_supervision, name="console_supervision"),
    path("console/supervision/override-requests/<int:pk>/", views.console_override_decide,
         name="console_override_decide"),
    *handling_urlpatterns,
]
