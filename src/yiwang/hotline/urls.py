from django.urls import path

from yiwang.hotline import views

app_name = "hotline"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("intake/", views.intake, name="intake"),
    path("kb/search/", views.kb_search, name="kb_search"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/<slug:action>/", views.ticket_action, name="ticket_action"),
    path("leader/", views.leader, name="leader"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/track/", views.mailbox_track, name="mailbox_track"),
    path("public/", views.public_list, name="public"),
    path("sms/inbound", views.sms_inbound, name="sms_inbound"),
]
