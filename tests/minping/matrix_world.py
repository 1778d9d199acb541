"""The world the permission matrix runs in: one published campaign, its objects, the six actors,
and how to turn every URL pattern into a URL."""
import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from jobs.models import Job
from jobs.services import job_enqueue
from publicity.models import Objection
from publicity.services import notice_publish, objection_file
from rectification.services import case_open_by_staff
from scoring.jobs import score_campaign
from surveys.codes import generate_code
from surveys.models import PaperImport, RosterEntry, Unit, UnitContact
from surveys.roles import EVALUATION_STAFF, UNIT_CONTACTS
from tests.factories import UserFactory
from tests.publicity.factories import scored_campaign

ACTORS = ("anonymous", "outsider", "contact", "other_contact", "staff", "superuser")


def url_patterns(resolver=None, prefix=""):
    """Every URL pattern of the site as its full route text (the matrix's row keys)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route


@dataclass
class World:
    campaign: object
    notice: object
    unit: object          # a unit the campaign rated, with a contact
    code: str             # a well-formed invitation code
    users: dict
    job: object = None    # a failed background job (scoring the published campaign was refused)
    case: object = None   # a rectification case of `unit`

    def url(self, route: str) -> str:
        """The route with its parameters filled from this world's objects."""
        admin_model = re.match(r"admin/(\w+)/(\w+)/<path:object_id>/", route)
        if admin_model:
            model = apps.get_model(admin_model.group(1), admin_model.group(2))
            first = model.objects.order_by("pk").first()
            route = route.replace("<path:object_id>", str(first.pk if first else 0))
        own_pk = re.match(r"admin/(surveys/unitcontact|otp_totp/totpdevice)/<int:pk>/", route)
        if own_pk:   # admin pages of one contact / one authenticator: that object's id
            model = apps.get_model(*own_pk.group(1).split("/"))
            route = route.replace("<int:pk>", str(model.objects.order_by("pk").first().pk))
        values = {
            "<path:content_type_id>/<path:object_id>": "0/0",
            "^(?P<app_label>auth|otp_totp|surveys|publicity)/$": "surveys/",
            "(?P<url>.*)$": "no-such-page/",
            "<int:pk>": str(self.notice.pk if route.startswith("notices/") else self.campaign.pk),
            "<id>": str(self.users["staff"].pk),
            "<slug:slug>": self.campaign.slug, "<slug:campaign>": self.campaign.slug,
            "<str:code>": self.unit.code if route.startswith(("results/", "units/")) else self.code,
            "<str:kind>": "publicity", "<slug:group>": "residents",
            "<uuid:pk>": str(self.job.pk), "<int:case>": str(self.case.pk),
        }
        for placeholder, value in values.items():
            route = route.replace(placeholder, value)
        assert "<" not in route and "(?P" not in route, route
        return "/" + route


def build_world() -> World:
    campaign = scored_campaign()
    notice = notice_publish(campaign=campaign, kind="publicity", actor="tests")
    objection_file(notice=notice, text="有异议")
    residents = campaign.groups.get(key="residents")
    code = generate_code()  # invitations are issued only before or during the evaluation: unknown here
    RosterEntry.objects.create(campaign=campaign, group=residents, name="张三")
    PaperImport.objects.create(campaign=campaign, group=residents, sha256="0" * 64, filename="a.xlsx", ballots=0,
                               actor_label="tests")
    rated = list(Unit.objects.filter(evaluator_groups__campaign=campaign).distinct().order_by("code"))
    unit, other_unit = rated[0], rated[1]
    users = {
        "outsider": UserFactory(username="outsider"),
        # Unit contacts have no admin access (is_staff off): their pages are the results pages.
        "contact": UserFactory(username="contact"),
        "other_contact": UserFactory(username="other_contact"),
        "staff": UserFactory(username="staff", is_staff=True),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    for name, contact_unit in (("contact", unit), ("other_contact", other_unit)):
        users[name].groups.add(Group.objects.get(name=UNIT_CONTACTS))
        UnitContact.objects.create(user=users[name], unit=contact_unit)
    users["staff"].groups.add(Group.objects.get(name=EVALUATION_STAFF))
    # An authenticator being set up (unconfirmed: no second factor is asked of staff yet).
    TOTPDevice.objects.create(user=users["staff"], name="totp", confirmed=False)
    assert Objection.objects.exists()
    job = job_enqueue(handler=score_campaign, params={"campaign_id": campaign.pk}, actor=users["staff"],
                      title_args={"campaign": campaign.title})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED   # a published campaign is not scored again
    case = case_open_by_staff(campaign=campaign, unit=unit, problem="评议意见：办事排队时间长", actor=users["staff"])
    return World(campaign=campaign, notice=notice, unit=unit, code=code, users=users, job=job, case=case)
