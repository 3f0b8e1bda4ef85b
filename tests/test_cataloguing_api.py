"""Cataloguing additions to /api/v1: history, diff, revert, validation, conversion, authorities,
copy-cataloguing search; publishing an invalid record is refused with field-level problems."""

import json

import pytest

from marc.io import record_to_json
from tests.test_cataloguing_editor import unimarc_book

pytestmark = pytest.mark.db


@pytest.fixture
def headers(api_token):
    return {**api_token("cataloguer"), "Content-Type": "application/json"}


def create(client, headers, record, status="published"):
    response = client.post(f"/api/v1/records?status={status}", data=record_to_json(record), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_publishing_an_invalid_record_is_refused_with_field_level_problems(client, headers):
    bad = unimarc_book(isbn="978-966-346-491-7", number="X-1")
    response = client.post("/api/v1/records?status=published", data=record_to_json(bad), headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    problem = next(p for p in body["details"] if p["tag"] == "010")
    assert problem["code"] == "a" and problem["level"] == "error" and "контрольна цифра" in problem["message"]
    assert "check digit" in problem["message_en"]


def test_history_diff_and_revert_through_the_api(client, headers):
    record_id = create(client, headers, unimarc_book(number="K-1"))
    changed = unimarc_book(title="Гайдамаки", number="K-1")
    put = client.put(f"/api/v1/records/{record_id}", data=record_to_json(changed), headers={**headers, "If-Match": '"1"'})
    assert put.status_code == 200
    versions = client.get(f"/api/v1/records/{record_id}/versions", headers=headers).get_json()["items"]
    assert [v["version"] for v in versions] == [2, 1]
    old = client.get(f"/api/v1/records/{record_id}/versions/1", headers=headers).get_json()
    assert any("200" in f for f in old["fields"])
    changes = client.get(f"/api/v1/records/{record_id}/diff?from=1&to=2", headers=headers).get_json()["changes"]
    assert [(c["op"], c["tag"]) for c in changes] == [("changed", "200")]
    stale = client.post(f"/api/v1/records/{record_id}/revert?to=1", headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 409
    reverted = client.post(f"/api/v1/records/{record_id}/revert?to=1", headers={**headers, "If-Match": '"2"'})
    assert reverted.status_code == 200 and reverted.get_json()["version"] == 3
    assert reverted.get_json()["title"].startswith("Кобзар")


def test_validation_results(client, headers):
    record_id = create(client, headers, unimarc_book(number="K-2"), status="draft")
    body = client.get(f"/api/v1/records/{record_id}/validation", headers=headers).get_json()
    assert body["valid"] is True
    bad = unimarc_book()
    bad.remove_field(bad["200"])
    result = client.post("/api/v1/validate", data=record_to_json(bad), headers=headers).get_json()
    assert result["valid"] is False and any(p["tag"] == "200" for p in result["problems"])


def test_conversion_both_ways(client, headers):
    marc21 = client.post("/api/v1/convert?to=marc21", data=record_to_json(unimarc_book()), headers=headers)
    assert marc21.status_code == 200 and marc21.headers["X-Source-Format"] == "unimarc"
    fields = {list(f)[0] for f in marc21.get_json()["fields"]}
    assert {"245", "020", "080"} <= fields
    back = client.post("/api/v1/convert?to=unimarc", data=json.dumps(marc21.get_json()), headers=headers)
    assert {list(f)[0] for f in back.get_json()["fields"]} >= {"200", "010", "675"}
    assert client.post("/api/v1/convert", data=record_to_json(unimarc_book()), headers=headers).status_code == 400


def test_authorities_through_the_api(client, headers):
    created = client.post("/api/v1/authorities", json={"kind": "personal", "heading": "Шевченко, Тарас Григорович",
                                                       "format": "unimarc"}, headers=headers)
    assert created.status_code == 201
    auth_id = created.get_json()["id"]
    found = client.get("/api/v1/authorities?q=шевч", headers=headers).get_json()["items"]
    assert found[0]["id"] == auth_id
    record = unimarc_book(number="K-3")
    from pymarc import Field, Indicators, Subfield

    record.add_ordered_field(Field(tag="700", indicators=Indicators(" ", "1"), subfields=[
        Subfield("a", "Шевченко"), Subfield("b", "Т."), Subfield("3", str(auth_id))]))
    record_id = create(client, headers, record)
    used = client.get(f"/api/v1/authorities/{auth_id}/records", headers=headers).get_json()["items"]
    assert [r["id"] for r in used] == [record_id]
    updated = client.post(f"/api/v1/authorities/{auth_id}/update-records", headers=headers).get_json()
    assert updated["updated"] == [record_id]


def test_copycat_search_through_the_api(app, client, headers, live_server):
    create(client, headers, unimarc_book(number="K-4"))
    from sru import service

    service.RENDERER._cache.clear()
    app.config["SRU_TARGETS"] = [{"key": "local", "name": "Kataloh", "url": f"{live_server}/sru", "format": "unimarc",
                                  "version": "1.2", "indexes": {"title": "dc.title"}}]
    assert "local" in {t["key"] for t in client.get("/api/v1/copycat/targets", headers=headers).get_json()["items"]}
    body = client.get("/api/v1/copycat/search?target=local&field=title&q=Кобзар", headers=headers).get_json()
    assert body["total"] == 1 and body["items"][0]["title"] == "Кобзар" and body["items"][0]["format"] == "unimarc"


def test_openapi_documents_the_cataloguing_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/records/{record_id}/versions", "/records/{record_id}/diff", "/records/{record_id}/revert",
                 "/records/{record_id}/validation", "/convert", "/authorities", "/copycat/search"):
        assert path in paths
