"""REST API v1 for records, driven over the Flask test client with bearer tokens."""

import json

from pymarc import Field, Record, Subfield

from marc.io import read_records


def unimarc_book(title="Тіні забутих предків") -> Record:
    record = Record(force_utf8=True, leader="00000nam0 2200000 i 450 ")
    record.add_field(Field(tag="100", indicators=[" ", " "], subfields=[Subfield("a", "20230315d2018    k  y0ukry50      ca")]))
    record.add_field(Field(tag="101", indicators=["0", " "], subfields=[Subfield("a", "ukr")]))
    record.add_field(Field(tag="200", indicators=["1", " "], subfields=[Subfield("a", title), Subfield("f", "Михайло Коцюбинський")]))
    record.add_field(Field(tag="210", indicators=[" ", " "], subfields=[Subfield("a", "Тернопіль"), Subfield("c", "Богдан"), Subfield("d", "2018")]))
    record.add_field(Field(tag="675", indicators=[" ", " "], subfields=[Subfield("a", "821.161.2-3")]))
    return record


def test_api_needs_a_token(client):
    response = client.get("/api/v1/records")
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["error"]


def test_unknown_token_is_refused(client):
    response = client.get("/api/v1/records", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_create_read_update_delete(client, api_token):
    headers = api_token("cataloguer")
    created = client.post("/api/v1/records", data=unimarc_book().as_json(), headers=headers, content_type="application/json")
    assert created.status_code == 201, created.get_json()
    meta = created.get_json()
    assert meta["format"] == "unimarc" and meta["version"] == 1 and meta["status"] == "draft"
    assert meta["title"].startswith("Тіні забутих предків")
    record_id = meta["id"]

    got = client.get(f"/api/v1/records/{record_id}", headers=headers)
    assert got.headers["ETag"] == '"1"'
    stored = json.loads(got.get_data(as_text=True))
    assert any("200" in f for f in stored["fields"])

    xml = client.get(f"/api/v1/records/{record_id}", headers={**headers, "Accept": "application/marcxml+xml"})
    assert xml.headers["Content-Type"].startswith("application/marcxml+xml")
    [item] = list(read_records(xml.get_data(), serialization="marcxml", fmt="unimarc"))
    assert item.record["200"]["a"] == "Тіні забутих предків"

    changed = unimarc_book("Тіні забутих предків : повість")
    updated = client.put(f"/api/v1/records/{record_id}", data=changed.as_json(), content_type="application/json",
                         headers={**headers, "If-Match": '"1"'})
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["version"] == 2

    stale = client.put(f"/api/v1/records/{record_id}", data=unimarc_book("Інша назва").as_json(),
                       content_type="application/json", headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["details"]["current_version"] == 2
    assert "Тіні забутих предків : повість" in body["details"]["current"]["marc"]

    deleted = client.delete(f"/api/v1/records/{record_id}", headers=headers)
    assert deleted.status_code == 200 and deleted.get_json()["status"] == "deleted"
    assert client.get(f"/api/v1/records/{record_id}", headers=headers).headers["X-Record-Status"] == "deleted"


def test_update_without_version_is_refused_with_a_clear_message(client, api_token):
    headers = api_token("cataloguer")
    record_id = client.post("/api/v1/records", data=unimarc_book().as_json(), headers=headers,
                            content_type="application/json").get_json()["id"]
    response = client.put(f"/api/v1/records/{record_id}", data=unimarc_book().as_json(), headers=headers,
                          content_type="application/json")
    assert response.status_code == 400
    assert "If-Match" in response.get_json()["error"]


def test_bad_body_names_the_problem(client, api_token):
    headers = api_token("cataloguer")
    response = client.post("/api/v1/records", data="{not json", headers=headers, content_type="application/json")
    assert response.status_code == 400
    assert "could not be read" in response.get_json()["error"]


def test_reader_role_cannot_write(client, api_token):
    response = client.post("/api/v1/records", data=unimarc_book().as_json(), headers=api_token("reader-services"),
                           content_type="application/json")
    assert response.status_code == 403


def test_list_is_paged(client, api_token):
    headers = api_token("cataloguer")
    for n in range(3):
        client.post("/api/v1/records", data=unimarc_book(f"Книга {n}").as_json(), headers=headers,
                    content_type="application/json")
    page = client.get("/api/v1/records?per_page=2", headers=headers).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2 and "next" in page
    second = client.get(page["next"], headers=headers).get_json()
    assert [i["title"] for i in second["items"]] == ["Книга 2"]


def test_every_write_is_audited(client, api_token, db):
    from sqlalchemy import select

    from catalog.models import AuditEntry

    headers = api_token("cataloguer", name="robot")
    client.post("/api/v1/records", data=unimarc_book().as_json(), headers=headers, content_type="application/json")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "record.create"))
    assert entry.actor == "token:robot"


def test_openapi_document_lists_record_paths(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"get", "put", "delete"} <= set(doc["paths"]["/records/{record_id}"])
