from django.urls import path

from yiwang.hotline import views, views_kb, views_publication

app_name = "hotline"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("intake/", views.intake, name="intake"),
    path("intake/places/", views.place_search, name="place_search"),
    path("kb/search/", views.kb_search, name="kb_search"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="ticket_action"),
    path("leader/", views.leader, name="leader"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/track/", views.mailbox_track, name="mailbox_track"),
    path("public/", views.public_list, name="public"),
    path("publication/", views_publication.publication_queue, name="publication_queue"),
    path("sms/inbound", views.sms_inbound, name="sms_inbound"),
    path("kb/", views_kb.kb_list, name="kb_list"),
    path("kb/new/", views_kb.kb_create, name="kb_create"),
    path("kb/lookup/", views_kb.kb_lookup, name="kb_lookup"),
    path("kb/review/", views_kb.kb_review_queue, name="kb_review_queue"),
    path("kb/<int:pk>/", views_kb.kb_detail, name="kb_detail"),
    path("kb/<int:pk>/edit/", views_kb.kb_edit, name="kb_edit"),
    path("kb/<int:pk>/submit/", views_kb.kb_submit, name="kb_submit"),
    path("kb/<int:pk>/review/", views_kb.kb_review, name="kb_review"),
]
