"""The standard questionnaire asks for a comment per unit; the ballot page renders it with the
unit's questions (generically, folded with the dimensions) and stores it with its unit."""
import pytest

from surveys.ballot_page import field_name
from surveys.ballots import ballots_settle
from surveys.models import Answer

from .conftest import valid_answers
from .test_ballot_pages import confirm

pytestmark = pytest.mark.django_db


def test_a_comment_about_a_unit_is_asked_on_the_page_and_stored_with_that_unit(client, codes, residents):
    first, second = residents.units.order_by("code")[:2]
    question = residents.campaign.questionnaire.questions.get(key="unit_comment")
    assert question.per_unit and question.kind == "text" and not question.required
    body = client.get(f"/b/{codes[0]}/").content.decode()
    assert f'name="{field_name(question, first)}"' in body and f'name="{field_name(question, second)}"' in body
    answers = valid_answers(residents) + [{"question": "unit_comment", "unit": second.code, "value": "说明材料不全"}]
    assert confirm(client, f"/b/{codes[0]}/", answers).status_code == 303
    ballots_settle(min_batch=1)
    stored = Answer.objects.get(question=question)
    assert (stored.unit, stored.text) == (second, "说明材料不全")
