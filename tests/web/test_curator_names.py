"""Curators are named by their display name, never by the opaque account id from OIDC."""

import pytest

from catalog.curation.edits import edit_fields
from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def test_provenance_and_history_name_the_curator(client, django_user_model):
    curator = django_user_model.objects.create(
        username="oidc-2bd8e0c1f3", display_name="Marta Curator", is_global_curator=True
    )
    module = ModuleFactory(name="named", with_provenance=True)
    edit_fields(
        module=module, author=curator, changes={"summary": "Better summary"}, reason="clarity"
    )
    html = client.get("/modules/named/").content.decode()
    assert "Marta Curator" in html
    assert "oidc-2bd8e0c1f3" not in html
