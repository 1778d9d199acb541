"""What a notice prints about the record outside the database (`publicity/_chain_anchor.html`)."""
from django import template
from django.conf import settings
from django.urls import reverse

from publicity.models import GENESIS_SHA256

register = template.Library()


@register.simple_tag
def chain_url() -> str:
    """The public chain file's address, printed in every notice."""
    return settings.MINPING_BASE_URL + reverse("publicity:chain")


@register.filter
def is_genesis(sha256: str) -> bool:
    return sha256 == GENESIS_SHA256
