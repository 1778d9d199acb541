"""The permission matrix (after pretix's): every URL pattern of the site × actor × method, with the
status each must get. Walks the URL resolver, so a new URL pattern without a row fails the suite.

Actors: anonymous; signed in without a role; the contact of a unit the campaign rated (`contact`);
the contact of another unit (`other_contact`); evaluation staff; a superuser. Unit contacts have no
admin access (is_staff off), as issue 17 asks. The world (tests/minping/matrix_world.py) holds one
published campaign with its objects; each request runs in a transaction that is rolled back, with
the actor's session cookie restored, so no request changes what the next one sees.

Cells: a status code, or L (302 to the sign-in page) or R (302 elsewhere). POST bodies are empty:
the matrix checks who gets in, not what a form accepts.
"""
import copy

import pytest
from django.db import transaction
from django.test import Client

from .matrix_world import ACTORS, build_world, url_patterns

pytestmark = pytest.mark.django_db

#          route: (GET for anonymous outsider contact other_contact staff superuser, POST for the same)
MATRIX = {
    # Public pages
    "": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "i18n/setlang/": ("R R R R R R", "R R R R R R"),
    # The admin: staff only (is_staff), then model permissions of the evaluation_staff role
    "admin/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/login/": ("200 200 200 200 R R", "200 200 200 200 200 200"),
    "admin/logout/": ("R R R R 405 405", "R R R R R R"),   # signed out: to the home page
    "admin/password_change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/password_change/done/": ("L L L L 200 200", "L L L L 405 405"),
    "admin/autocomplete/": ("L L L L 403 403", "L L L L 405 405"),
    "admin/jsi18n/": ("L L L L 200 200", "L L L L 405 405"),
    "admin/r/<path:content_type_id>/<path:object_id>/": ("L L L L 404 404", "L L L L 404 404"),
    # Users and groups: superusers only
    "admin/auth/group/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/group/add/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/group/<path:object_id>/history/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/group/<path:object_id>/delete/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/group/<path:object_id>/change/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/group/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/auth/user/<id>/password/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/user/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/user/add/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/user/<path:object_id>/history/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/user/<path:object_id>/delete/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/user/<path:object_id>/change/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/auth/user/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    # Reference data; import/export screens (H17c: only evaluation staff reach any import/export)
    "admin/surveys/region/process_import/": ("L L L L 405 405", "L L L L 200 200"),
    "admin/surveys/region/import/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/region/export/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/region/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/region/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/region/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/region/<path:object_id>/delete/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/region/<path:object_id>/change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/region/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/unit/process_import/": ("L L L L 405 405", "L L L L 200 200"),
    "admin/surveys/unit/import/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unit/export/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unit/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unit/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unit/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unit/<path:object_id>/delete/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unit/<path:object_id>/change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unit/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/unitcontact/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unitcontact/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unitcontact/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unitcontact/<path:object_id>/delete/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unitcontact/<path:object_id>/change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/unitcontact/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/questionnaire/create-standard/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/questionnaire/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/questionnaire/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/questionnaire/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/questionnaire/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/questionnaire/<path:object_id>/change/": ("L L L L 200 200", "L L L L 403 403"),
    "admin/surveys/questionnaire/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/question/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/question/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/question/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/question/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/question/<path:object_id>/change/": ("L L L L 200 200", "L L L L 403 403"),
    "admin/surveys/question/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/campaign/<int:pk>/issue-invitations/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/campaign/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/campaign/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/campaign/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/campaign/<path:object_id>/delete/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/campaign/<path:object_id>/change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/campaign/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/censusmargin/process_import/": ("L L L L 405 405", "L L L L 200 200"),
    "admin/surveys/censusmargin/import/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/censusmargin/export/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/censusmargin/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/censusmargin/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/censusmargin/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/censusmargin/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/censusmargin/<path:object_id>/change/": ("L L L L 200 200", "L L L L 403 403"),
    "admin/surveys/censusmargin/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/rosterentry/process_import/": ("L L L L 405 405", "L L L L 200 200"),
    "admin/surveys/rosterentry/import/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/rosterentry/export/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/rosterentry/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/rosterentry/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/rosterentry/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/rosterentry/<path:object_id>/delete/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/rosterentry/<path:object_id>/change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/rosterentry/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    # Invitations, ballots, audit events, notices: read-only records (no invitation objects here: R)
    "admin/surveys/invitation/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/invitation/add/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/invitation/<path:object_id>/history/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/invitation/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/invitation/<path:object_id>/change/": ("L L L L R R", "L L L L 403 403"),
    "admin/surveys/invitation/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/ballot/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/ballot/add/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/ballot/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/ballot/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/ballot/<path:object_id>/change/": ("L L L L 200 200", "L L L L 403 403"),
    "admin/surveys/ballot/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/auditevent/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/auditevent/add/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/auditevent/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/auditevent/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/auditevent/<path:object_id>/change/": ("L L L L 200 200", "L L L L 403 403"),
    "admin/surveys/auditevent/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/surveys/paperimport/upload/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/paperimport/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/paperimport/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/paperimport/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/surveys/paperimport/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/surveys/paperimport/<path:object_id>/change/": ("L L L L 200 200", "L L L L 403 403"),
    "admin/surveys/paperimport/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/publicity/notice/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/notice/add/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/publicity/notice/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/notice/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/publicity/notice/<path:object_id>/change/": ("L L L L 200 200", "L L L L 403 403"),
    "admin/publicity/notice/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/publicity/objection/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/objection/add/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/publicity/objection/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/objection/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/publicity/objection/<path:object_id>/change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/objection/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    "admin/^(?P<app_label>auth|otp_totp|surveys|publicity)/$": ("L L L L 200 200", "L L L L 200 200"),
    "admin/(?P<url>.*)$": ("L L L L 404 404", "L L L L 404 404"),
    # 发文字号 series (H15): evaluation staff set the prefix; numbers are never deleted
    "admin/publicity/documentseries/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/documentseries/add/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/documentseries/<path:object_id>/history/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/documentseries/<path:object_id>/delete/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/publicity/documentseries/<path:object_id>/change/": ("L L L L 200 200", "L L L L 200 200"),
    "admin/publicity/documentseries/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    # Sign-in for everyone with an account (accounts app); the start page sends each role on
    "accounts/login/": ("200 R R R R R", "200 R R R R R"),
    "accounts/logout/": ("405 405 405 405 405 405", "R R R R R R"),
    "accounts/password/": ("L 200 200 200 200 200", "L 200 200 200 200 200"),
    "accounts/password/done/": ("L 200 200 200 200 200", "L 405 405 405 405 405"),
    "accounts/start/": ("L 200 R R R R", "L 405 405 405 405 405"),
    # TOTP: staff set up an authenticator (an empty code is refused: 400); without a confirmed one the
    # second step has nothing to ask and sends the person on
    "accounts/totp/": ("L 403 403 403 200 200", "L 403 403 403 400 400"),
    "accounts/totp/verify/": ("L R R R R R", "L R R R R R"),
    # A contact's password reset by evaluation staff (audited)
    "admin/surveys/unitcontact/<int:pk>/password/": ("L L L L 200 200", "L L L L 200 200"),
    # Authenticators: superusers remove a lost one; nobody reads another's secret (config, QR code)
    "admin/otp_totp/totpdevice/<int:pk>/config/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/": ("L L L L 403 403", "L L L L 403 403"),
    "admin/otp_totp/totpdevice/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/otp_totp/totpdevice/add/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/otp_totp/totpdevice/<path:object_id>/history/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/otp_totp/totpdevice/<path:object_id>/delete/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/otp_totp/totpdevice/<path:object_id>/change/": ("L L L L 403 200", "L L L L 403 200"),
    "admin/otp_totp/totpdevice/<path:object_id>/": ("L L L L R R", "L L L L R R"),
    # Results: staff see campaigns; a contact sees only their own unit's page of a published campaign
    # (H17c: contacts see results only once published — the campaign here is published)
    "results/": ("L 403 200 200 200 200", "L 403 200 200 200 200"),
    "results/<slug:slug>/": ("L 403 403 403 200 200", "L 403 403 403 200 200"),
    "results/<slug:slug>/score/": ("L 405 405 405 405 405", "L 403 403 403 R R"),
    "results/<slug:slug>/units/<str:code>/": ("L 403 200 403 200 200", "L 403 200 403 200 200"),
    # The API and the public notice pages
    "api/schema/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "api/docs/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "notices/": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    "notices/<int:pk>/": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    "notices/<int:pk>/pdf": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    # Published results in HTML (issue 13 item 5): a notice's tables and a unit's history, for everyone
    "notices/<int:pk>/results/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "units/<str:code>/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "notices/verify/": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    "notices/objections/status/": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    "notices/objections/<slug:campaign>/": ("200 200 200 200 200 200", "200 200 200 200 200 200"),
    # The record anyone may mirror (H17c): the chain file; its signature, the signing certificate and a
    # notice's timestamp token exist only where a key / a timestamp authority is configured (not here)
    "notices/chain.jsonl": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "notices/chain.jsonl.p7s": ("404 404 404 404 404 404", "405 405 405 405 405 405"),
    "notices/signing-certificate.pem": ("404 404 404 404 404 404", "405 405 405 405 405 405"),
    "notices/<int:pk>/timestamp.tsr": ("404 404 404 404 404 404", "405 405 405 405 405 405"),
    # Publishing: evaluation staff only (the notice here is already published: preview redirects)
    "notices/staff/": ("L 403 403 403 200 200", "L 403 403 403 200 200"),
    "notices/staff/<slug:campaign>/<str:kind>/preview/": ("L 403 403 403 R R", "L 403 403 403 R R"),
    "notices/staff/<slug:campaign>/<str:kind>/preview.pdf": ("L 403 403 403 R R", "L 403 403 403 R R"),
    "notices/staff/<slug:campaign>/<str:kind>/": ("L 403 403 403 200 200", "L 405 405 405 405 405"),
    # GET: the confirmation page (here: the notice is out already, so back to its page); POST: publish
    "notices/staff/<slug:campaign>/<str:kind>/publish/": ("L 403 403 403 R R", "L 403 403 403 R R"),
    # Ballots: the same for everyone (the code is unknown; residents vote by invitation, not by open link)
    # (an empty POST to /b/ is a form without its code: 400 with the form again)
    "b/": ("200 200 200 200 200 200", "400 400 400 400 400 400"),
    "b/<str:code>/": ("404 404 404 404 404 404", "404 404 404 404 404 404"),
    "c/<slug:campaign>/<slug:group>/": ("404 404 404 404 404 404", "404 404 404 404 404 404"),
    "api/v1/ballots/<str:code>/": ("404 404 404 404 404 404", "404 404 404 404 404 404"),
    "api/v1/ping/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    # Commitments (一事一诺): public once the campaign opened; contacts enter their units' (a bare POST
    # names no commitment: 400), staff approve (a bare POST is an invalid review: 400)
    "api/v1/campaigns/<slug:slug>/commitments/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "commitments/<slug:campaign>/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "unit-commitments/": ("L 403 200 200 403 403", "L 403 400 400 403 403"),
    "staff/commitments/": ("L 403 403 403 200 200", "L 403 403 403 400 400"),
    # Background jobs: evaluation staff only (the world's job failed, so it may be retried)
    "jobs/": ("L 403 403 403 200 200", "L 405 405 405 405 405"),
    "jobs/<uuid:pk>/": ("L 403 403 403 200 200", "L 405 405 405 405 405"),
    "jobs/<uuid:pk>/retry/": ("L 405 405 405 405 405", "L 403 403 403 R R"),
    # The staff area: evaluation staff only. A move's confirmation page says why the published campaign
    # cannot make it (200); its POST is refused back to the dashboard (R)
    "staff/": ("L 403 403 403 200 200", "L 405 405 405 405 405"),
    "staff/campaigns/<slug:slug>/": ("L 403 403 403 200 200", "L 405 405 405 405 405"),
    "staff/campaigns/<slug:slug>/open/": ("L 403 403 403 200 200", "L 403 403 403 R R"),
    "staff/campaigns/<slug:slug>/close/": ("L 403 403 403 200 200", "L 403 403 403 R R"),
    "staff/campaigns/<slug:slug>/reopen/": ("L 403 403 403 200 200", "L 403 403 403 R R"),
    "staff/campaigns/<slug:slug>/score/": ("L 403 403 403 200 200", "L 403 403 403 R R"),
    # Rectification (issue 12): the public page, a case's timeline and the return visits are for everyone
    # (an empty rating is a form with errors); contacts act on their own units' cases, staff on all
    "rectification/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "rectification/<int:case>/": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "rectification/<int:case>/rate/": ("200 200 200 200 200 200", "400 400 400 400 400 400"),
    "rectification/visit/": ("200 200 200 200 200 200", "400 400 400 400 400 400"),
    "rectification/<int:case>/report/": ("L 405 405 405 405 405", "L 403 R 403 R R"),
    "rectification/<int:case>/review/": ("L 405 405 405 405 405", "L 403 403 403 R R"),
    "rectification/mine/": ("L 403 200 200 200 200", "L 405 405 405 405 405"),
    "rectification/new/": ("L 403 403 403 200 200", "L 403 403 403 400 400"),
    "rectification/publish/<slug:campaign>/": ("L 405 405 405 405 405", "L 403 403 403 R R"),
    # Anyone reads a campaign's cases; opening one takes an evaluation staff's API token (a session is not one)
    "api/v1/campaigns/<slug:slug>/rectifications/": ("200 200 200 200 200 200", "401 401 401 401 401 401"),
    # For load balancers and monitors: no secrets, never cached
    "healthz": ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    # The receipt lives in the voter's browser (a signed cookie): without one there is none to show
    "receipt/": ("404 404 404 404 404 404", "405 405 405 405 405 405"),
    # The age-friendly display: a POST from any page, answered by going back to it
    "display/": ("405 405 405 405 405 405", "303 303 303 303 303 303"),
}


def outcome(response) -> str:
    if response.status_code == 302:
        return "L" if "/login/" in response["Location"] else "R"
    return str(response.status_code)


def mismatches(world, routes) -> list[str]:
    """Every (route, method, actor) whose status differs from the matrix."""
    cookies = {}
    for actor in ACTORS:
        client = Client()
        if actor != "anonymous":
            client.force_login(world.users[actor])
        cookies[actor] = client.cookies
    found = []
    for route in routes:
        url = world.url(route)
        for method, expected in zip(("GET", "POST"), MATRIX[route], strict=True):
            for actor, want in zip(ACTORS, expected.split(), strict=True):
                client = Client(raise_request_exception=False)
                client.cookies = copy.deepcopy(cookies[actor])  # a sign-out must not carry over
                with transaction.atomic():
                    got = outcome(getattr(client, method.lower())(url))
                    transaction.set_rollback(True)
                if got != want:
                    found.append(f"{method} {url} as {actor}: {got}, matrix says {want}")
    return found


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    routes = list(url_patterns())
    assert sorted(set(routes) - set(MATRIX)) == [], "URL patterns without a row in the permission matrix"
    assert sorted(set(MATRIX) - set(routes)) == [], "rows for URL patterns that no longer exist"


def test_every_actor_gets_what_the_matrix_says():
    assert mismatches(build_world(), list(url_patterns())) == []


def test_control_the_matrix_sees_a_role_check_removed(monkeypatch):
    """With the results pages' staff check removed, the matrix reports the leak."""
    monkeypatch.setattr("scoring.views.require_evaluation_staff", lambda user: None)
    found = mismatches(build_world(), ["results/<slug:slug>/"])
    assert any("as outsider: 200" in line for line in found) and any("as contact: 200" in line for line in found)
