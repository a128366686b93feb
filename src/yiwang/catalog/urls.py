from django.urls import path

from yiwang.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.search, name="search"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/export.xlsx", views.manage_export, name="manage_export"),
    path("manage/import/", views.manage_import, name="manage_import"),
    path("manage/<str:base_code>/", views.manage_item, name="manage_item"),
    path("manage/<str:base_code>/draft/", views.manage_new_draft, name="manage_new_draft"),
    path("manage/<str:base_code>/v<int:number>/", views.manage_version, name="manage_version"),
    path("<str:base_code>/", views.guide, name="guide"),
    path("<str:base_code>/guide.pdf", views.guide_pdf_view, name="guide_pdf"),
]
