from django.urls import path

from suthra.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/progress/", views.batch_progress, name="progress"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/cancel/", views.batch_cancel, name="cancel"),
    path("<int:pk>/restart/", views.batch_restart, name="restart"),
    path("<int:pk>/errors.csv", views.batch_errors, name="errors"),
]
