from django.urls import path

from suthra.tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_queue, name="queue"),
    path("new/<int:unit_pk>/", views.ticket_create, name="new"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/decide/", views.ticket_decide, name="decide"),
    path("<int:pk>/comment/", views.ticket_comment, name="comment"),
    path("<int:pk>/photo/", views.ticket_photo, name="photo"),
]
