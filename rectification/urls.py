from django.urls import path

from . import api, views

app_name = "rectification"

# The API lives under /api/v1/ (minping/urls.py includes `api_urlpatterns` there).
api_urlpatterns = [
    path("campaigns/<slug:slug>/rectifications/", api.CampaignRectificationsAPIView.as_view(),
         name="api-rectifications"),
]

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:case>/", views.case_detail, name="detail"),
    path("<int:case>/rate/", views.case_rate, name="rate"),
    path("<int:case>/report/", views.case_report, name="report"),
    path("<int:case>/review/", views.case_review, name="review"),
    path("visit/", views.visit, name="visit"),
    path("mine/", views.my_cases, name="mine"),
    path("new/", views.case_new, name="new"),
    path("publish/<slug:campaign>/", views.notice_publish, name="publish"),
]
