import pytest
from django.contrib.auth.models import Group

from surveys.models import UnitContact
from surveys.roles import UNIT_CONTACTS
from tests.factories import UnitFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def unit_contact(db):
    """The contact of one unit, as they are made in production: no admin access (is_staff off)."""
    user = UserFactory(username="li.contact", password=PASSWORD)
    user.groups.add(Group.objects.get(name=UNIT_CONTACTS))
    UnitContact.objects.create(user=user, unit=UnitFactory(code="U-LI", name="李家街道办事处"))
    return user


@pytest.fixture
def staff_member(staff):
    staff.set_password(PASSWORD)
    staff.save()
    return staff


def sign_in(client, username, password=PASSWORD, *, address="198.51.100.1", language="zh-hans", **data):
    return client.post("/accounts/login/", {"username": username, "password": password, **data},
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
