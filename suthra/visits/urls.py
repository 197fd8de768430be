from django.urls import path

from suthra.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("worklist/", views.worklist, name="worklist"),
    path("queue/", views.visit_queue, name="queue"),
    path("new/", views.visit_pick, name="pick"),
    path("new/<int:unit_pk>/", views.visit_create, name="new"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/decide/", views.visit_decide, name="decide"),
    path("<int:pk>/photo/", views.visit_photo, name="photo"),
]
