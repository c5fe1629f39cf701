"""Platform-wide behaviour: languages, the API schema, error shape, translations complete."""

import subprocess
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[1]


def test_the_interface_is_chinese_by_default_and_english_on_request(db) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    assert "实名注册" in client.get("/").content.decode()
    english = client.get("/?lang=en").content.decode()
    assert "Register with your real name" in english
    assert "Register with your real name" in client.get("/").content.decode(), "the choice is remembered"


def test_every_chinese_message_is_translated() -> None:
    po = (ROOT / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and 'msgstr ""\n"' not in e and "msgid_plural" not in e]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == [] and fuzzy == []
    mo = ROOT / "locale/zh_Hans/LC_MESSAGES/django.mo"
    assert mo.stat().st_mtime >= (ROOT / "locale/zh_Hans/LC_MESSAGES/django.po").stat().st_mtime - 1, (
        "run make messages"
    )


def test_the_openapi_schema_documents_error_statuses(db) -> None:  # type: ignore[no-untyped-def]
    schema = Client().get("/api/v1/openapi.json").json()
    register = schema["paths"]["/api/v1/residents/register"]["post"]["responses"]
    assert {"201", "409", "422"} <= set(register)
    detail = schema["paths"]["/api/v1/residents/{resident_id}"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(detail)


def test_api_errors_are_json_with_a_stable_code(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/api/v1/residents/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    english = Client().get("/api/v1/residents/me", headers={"accept-language": "en"})
    assert english.json()["message"] == "Please sign in first."


def test_the_tooling_refuses_an_old_python(tmp_path: Path) -> None:
    old_python = tmp_path / "python3"
    old_python.write_text("#!/bin/sh\necho 'Python 3.11.7'\nexit 1\n")  # fails the >= 3.12 probe
    old_python.chmod(0o755)
    result = subprocess.run(
        ["/bin/bash", "scripts/find-python"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path), "PATH": f"{tmp_path}:/bin"},
    )
    assert result.returncode != 0
    assert "3.12" in result.stderr
    assert "需要 Python 3.12" in result.stderr
