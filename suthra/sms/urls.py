from django.urls import path

from suthra.sms import views

app_name = "sms"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/send/", views.campaign_send, name="campaign_send"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("opt-outs/", views.optouts, name="optouts"),
    path("opt-outs/remove/", views.optout_remove, name="optout_remove"),
    path("inbound/", views.inbound, name="inbound"),
]
