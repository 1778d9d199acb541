from django.urls import path

from . import views

app_name = "scoring"

urlpatterns = [
    path("", views.results_index, name="index"),
    path("<slug:slug>/", views.campaign_results, name="campaign"),
    path("<slug:slug>/score/", views.campaign_score, name="score"),
    path("<slug:slug>/units/<str:code>/", views.unit_results, name="unit"),
]
