from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path("campaigns/<slug:slug>/", views.campaign_dashboard, name="dashboard"),
    # One route per move, so that the permission matrix has a row for each.
    path("campaigns/<slug:slug>/open/", views.campaign_move, {"move": "open"}, name="open"),
    path("campaigns/<slug:slug>/close/", views.campaign_move, {"move": "close"}, name="close"),
    path("campaigns/<slug:slug>/reopen/", views.campaign_move, {"move": "reopen"}, name="reopen"),
    path("campaigns/<slug:slug>/score/", views.campaign_move, {"move": "score"}, name="score"),
]
