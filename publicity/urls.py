from django.urls import path

from . import views

app_name = "publicity"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/pdf", views.notice_pdf, name="pdf"),
    path("<int:pk>/results/", views.notice_results, name="results"),
    path("<int:pk>/timestamp.tsr", views.notice_timestamp, name="timestamp"),
    path("chain.jsonl", views.chain_file, name="chain"),
    path("chain.jsonl.p7s", views.chain_signature, name="chain-signature"),
    path("signing-certificate.pem", views.signing_certificate, name="signing-certificate"),
    path("verify/", views.verify, name="verify"),
    path("objections/status/", views.objection_status, name="objection-status"),
    path("objections/<slug:campaign>/", views.objection_form, name="objection"),
    path("staff/", views.staff_index, name="staff"),
    path("staff/<slug:campaign>/<str:kind>/", views.staff_notice, name="staff-notice"),
    path("staff/<slug:campaign>/<str:kind>/preview/", views.staff_preview, name="staff-preview"),
    path("staff/<slug:campaign>/<str:kind>/preview.pdf", views.staff_preview_pdf, name="staff-preview-pdf"),
    path("staff/<slug:campaign>/<str:kind>/publish/", views.staff_publish, name="staff-publish"),
]
