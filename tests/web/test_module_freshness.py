"""The module page says when the harvest last checked the module and when it last changed."""

import datetime as dt

import pytest

from catalog.models import Module
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def test_the_module_page_says_when_it_was_last_checked_and_last_changed(client):
    module = ModuleFactory(name="fresh")
    checked = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    Module.objects.filter(pk=module.pk).update(last_harvested_at=checked)
    module.refresh_from_db()

    page = client.get("/modules/fresh/").content.decode()

    assert f'last checked <time datetime="{checked.isoformat()}">1 Dec 2026, 09:30 UTC' in page
    assert f'last changed <time datetime="{module.modified_at.isoformat()}">' in page
