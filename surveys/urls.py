from django.urls import path

from . import api, commitment_views, views

urlpatterns = [
    path("b/", views.ballot_enter, name="ballot-enter"),
    path("b/<str:code>/", views.ballot, name="ballot"),
    path("receipt/", views.ballot_receipt, name="ballot-receipt"),
    path("display/", views.display_mode, name="display-mode"),
    path("c/<slug:campaign>/<slug:group>/", views.open_ballot, name="open-ballot"),
    path("api/v1/ballots/<str:code>/", api.BallotAPIView.as_view(), name="api-ballot"),
    path("api/v1/ping/", api.ping, name="api-ping"),
    path("api/v1/campaigns/<slug:slug>/commitments/", commitment_views.CampaignCommitmentsAPIView.as_view(),
         name="api-campaign-commitments"),
    path("commitments/<slug:campaign>/", commitment_views.public_commitments, name="commitments-public"),
    path("unit-commitments/", commitment_views.contact_commitments, name="commitments-mine"),
    path("staff/commitments/", commitment_views.review_commitments, name="commitments-review"),
]
