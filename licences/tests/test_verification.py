"""The public verification page and API: only kind, validity and the masked name; no oracle; a budget."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from ninja import NinjaAPI

from licences.api import router
from licences.services import licence_revoke
from licences.tests.conftest import issue

pytestmark = pytest.mark.urls("licences.tests.urls")

GUESS = "A" * 43


def page(client: Client, token: str):  # type: ignore[no-untyped-def]
    return client.get(reverse("licences:verify", args=[token]), {"lang": "en"})


def fields(html: str) -> list[str]:
    """The page's shape: the test ids of its elements, in order."""
    return re.findall(r'data-testid="([^"]+)"', html)


def test_the_page_shows_the_masked_name_and_nothing_personal(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability)
    response = page(Client(), licence.verification_token)
    html = response.content.decode()
    assert response.status_code == 200
    assert "王**" in html and "Disability certificate" in html and "Valid" in html
    resident = world.resident
    for secret in (resident.name, resident.id_number, resident.id_number_masked, resident.mobile, licence.number):
        assert secret not in html
    assert str(licence.valid_from.year) in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_revoked_licence_is_shown_as_revoked(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability)
    licence_revoke(actor=world.staff["approver"], licence=licence, reason="证件信息有误")
    html = page(Client(), licence.verification_token).content.decode()
    assert re.search(r'data-testid="verification-status">Revoked<', html)
    assert "证件信息有误" not in html, "the reason is not for the public"


def test_a_guessed_token_gets_the_same_page_shape_and_status(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability)
    known, guessed = page(Client(), licence.verification_token), page(Client(), GUESS)
    assert guessed.status_code == known.status_code == 200
    assert fields(guessed.content.decode()) == fields(known.content.decode())
    assert re.search(r'data-testid="verification-status">Not found<', guessed.content.decode())
    assert page(Client(), "x" * 500).status_code == 200


def test_the_31st_request_in_a_minute_is_refused(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(30):
        assert page(client, GUESS if n % 2 else licence.verification_token).status_code == 200
    refused = page(client, licence.verification_token)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "王**" not in refused.content.decode()
    assert page(Client(REMOTE_ADDR="198.51.100.1"), licence.verification_token).status_code == 200, "per client IP"


def test_the_api_answers_the_same_fields_for_known_and_unknown_tokens(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability)
    known = Client().get(f"/api/v1/licences/verify/{licence.verification_token}")
    unknown = Client().get(f"/api/v1/licences/verify/{GUESS}")
    assert known.status_code == unknown.status_code == 200
    assert known.json() == {
        "status": "valid",
        "kind_name": "残疾人证",
        "kind_name_en": "Disability certificate",
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat(),
        "holder_name_masked": "王**",
    }
    assert unknown.json() == dict.fromkeys(known.json(), "") | {
        "status": "not_found",
        "valid_from": None,
        "valid_until": None,
    }


def test_the_api_and_the_page_share_one_budget(world, disability) -> None:  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(15):
        assert page(client, GUESS).status_code == 200
        assert client.get(f"/api/v1/licences/verify/{GUESS}").status_code == 200
    refused = client.get(f"/api/v1/licences/verify/{GUESS}", headers={"accept-language": "en"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused["Retry-After"]


def test_the_api_documents_the_rate_limit_answer() -> None:
    api = NinjaAPI(title="schema", urls_namespace="licences_schema_test")
    api.add_router("/licences", router)
    operation = api.get_openapi_schema(path_prefix="")["paths"]["/licences/verify/{token}"]["get"]
    assert {200, 429} <= set(operation["responses"])
    assert not operation.get("security"), "public: no sign-in"
