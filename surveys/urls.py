from django.urls import path

from . import api, views

urlpatterns = [
    path("b/", views.ballot_enter, name="ballot-enter"),
    path("b/<str:code>/", views.ballot, name="ballot"),
    path("receipt/", views.ballot_receipt, name="ballot-receipt"),
    path("display/", views.display_mode, name="display-mode"),
    path("c/<slug:campaign>/<slug:group>/", views.open_ballot, name="open-ballot"),
    path("api/v1/ballots/<str:code>/", api.BallotAPIView.as_view(), name="api-ballot"),
    path("api/v1/ping/", api.ping, name="api-ping"),
]
