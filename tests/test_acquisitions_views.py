"""The acquisitions pages driven through the Flask test client (real login, CSRF on) and the REST API."""

import re

from sqlalchemy import select

from catalog.acquisitions.models import Copy, WithdrawalAct
from tests.conftest import csrf_from
from tests.test_acquisitions_services import PNG, UKRAINIAN, store


def post(client, page_url: str, action: str, data: dict, **kwargs):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(action, data={**data, "csrf_token": token}, **kwargs)


def test_pages_need_the_acquisitions_role(client, login):
    assert client.get("/acquisitions/").status_code == 302
    login("cataloguer", "cat")
    assert client.get("/acquisitions/").status_code == 403


def test_receiving_a_donation_through_the_forms(app, db, login):
    client = login("acquisitions", "maria")
    record = store(db, UKRAINIAN, "unimarc")
    home = client.get("/acquisitions/").get_data(as_text=True)
    assert "Комплектування та облік" in home
    response = post(client, "/acquisitions/receipts/new", "/acquisitions/receipts/new", {
        "received_on": "2026-04-10", "source_type": "donation", "source_name": "Посольство Польщі",
        "document_type": "лист", "document_number": "5/26", "document_date": "2026-04-01", "notes": ""})
    assert response.status_code == 302
    receipt_url = response.headers["Location"]
    page = client.get(receipt_url + "?q=Вища").get_data(as_text=True)
    assert "Надходження 1/2026" in page and "Посольство Польщі" in page
    assert f'value="{record.id}"' in page
    response = post(client, receipt_url, receipt_url + "/copies", {
        "record_id": record.id, "count": "3", "price": "199,99", "currency": "UAH", "location": "abonement",
        "call_number": "51 С24", "barcodes": ""})
    assert response.status_code == 302
    page = client.get(receipt_url).get_data(as_text=True)
    assert "Додано примірників: 3, інвентарні номери 1–3" in page
    assert page.count("/acquisitions/copies/") >= 3
    # A brief record created on the spot, with a scanned barcode.
    response = post(client, receipt_url, receipt_url + "/record", {
        "format": "marc21", "title": "Borderland", "author": "Reid, Anna", "year": "2015", "language": "eng",
        "count": "1", "barcodes": "9780465055890", "price": "", "currency": "UAH", "location": "", "call_number": ""})
    assert response.status_code == 302
    assert db.scalar(select(Copy).where(Copy.barcode == "9780465055890")).inventory_number == "4"
    # An error is shown, not a crash.
    response = post(client, receipt_url, receipt_url + "/copies", {"record_id": record.id, "count": "2",
                                                                  "barcodes": "9780465055890"}, follow_redirects=True)
    assert "9780465055890" in response.get_data(as_text=True)
    # Registers as HTML, CSV and PDF; labels as PDF.
    part1 = client.get("/acquisitions/registers/ksu/1?year=2026").get_data(as_text=True)
    assert "1/2026" in part1 and "Посольство Польщі" in part1
    csv = client.get("/acquisitions/registers/ksu/1?year=2026&format=csv")
    assert csv.mimetype == "text/csv" and "Посольство Польщі" in csv.get_data(as_text=True)
    assert client.get("/acquisitions/registers/ksu/3?year=2026&format=pdf").data.startswith(b"%PDF-")
    inventory = client.get("/acquisitions/registers/inventory?first=1&last=4").get_data(as_text=True)
    assert "Borderland" in inventory and "Свердан" in inventory
    receipt_id = re.search(r"/receipts/(\d+)", receipt_url).group(1)
    labels = client.get(f"/acquisitions/labels?receipt={receipt_id}&kind=barcode&layout=a4-3x8")
    assert labels.mimetype == "application/pdf" and labels.data.startswith(b"%PDF-")
    spine = client.get("/acquisitions/labels?codes=1%0A2&kind=spine&layout=a4-4x10")
    assert spine.mimetype == "application/pdf"


def test_war_loss_act_through_the_forms(app, db, login):
    from catalog.acquisitions import services

    client = login("acquisitions", "maria")
    record = store(db, UKRAINIAN, "unimarc")
    receipt = services.create_receipt(db, "maria", received_on="2021-02-02", source_type="purchase")
    copies = services.receive_copies(db, "maria", receipt, record.id, 3, price="100", status="available")
    response = post(client, "/acquisitions/acts/new", "/acquisitions/acts/new", {
        "act_date": "2022-08-30", "reason": "destroyed_hostilities", "commission_ref": "",
        "commission_members": "Іваненко І. І.", "notes": ""})
    act_url = response.headers["Location"]
    post(client, act_url, act_url + "/copies", {"codes": f"{copies[0].inventory_number}\n{copies[1].barcode}"})
    page = client.get(act_url).get_data(as_text=True)
    assert "200,00" in page
    confirm = post(client, act_url, act_url + "/confirm", {}, follow_redirects=True)
    assert "commission" in confirm.get_data(as_text=True)  # refused: no commission reference, no evidence
    token = csrf_from(client.get(act_url).get_data(as_text=True))
    from io import BytesIO

    bad = client.post(act_url + "/attachments", data={"csrf_token": token, "file": (BytesIO(b"MZ\x90\x00binary"), "x.png")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "x.png" in bad.get_data(as_text=True)
    good = client.post(act_url + "/attachments", data={"csrf_token": token, "file": (BytesIO(PNG), "руїни.png"),
                                                       "description": "фото"},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "руїни.png" in good.get_data(as_text=True)
    act = db.scalar(select(WithdrawalAct))
    services.update_act(db, "maria", act, commission_ref="наказ № 7 від 25.08.2022")
    confirmed = post(client, act_url, act_url + "/confirm", {}, follow_redirects=True)
    assert "затверджено" in confirmed.get_data(as_text=True)
    act_pdf = client.get(act_url + ".pdf")
    assert act_pdf.mimetype == "application/pdf"
    copy_page = client.get(f"/acquisitions/copies/{copies[0].id}").get_data(as_text=True)
    assert "Знищений" in copy_page and "1/2022" in copy_page
    attachment_id = act.attachments[0].id
    assert client.get(f"{act_url}/attachments/{attachment_id}").data == PNG
    part2 = client.get("/acquisitions/registers/ksu/2?year=2022").get_data(as_text=True)
    assert "1/2022" in part2 and "200,00" in part2


def test_rest_api_receipts_copies_acts_and_registers(app, db, api_token, tmp_path):
    client = app.test_client()
    headers = api_token("acquisitions")
    record = store(db, UKRAINIAN, "unimarc")
    assert client.post("/api/v1/receipts", json={"source_type": "donation"}).status_code == 401
    response = client.post("/api/v1/receipts", json={"received_on": "2026-01-20", "source_type": "ukrainian_book_institute",
                                                     "source_name": "УІК", "document_number": "77"}, headers=headers)
    assert response.status_code == 201
    receipt = response.get_json()
    assert receipt["register_number"] == "1/2026"
    response = client.post(f"/api/v1/receipts/{receipt['id']}/copies", json={"record_id": record.id, "count": 2,
                                                                            "price": "150.00"}, headers=headers)
    assert response.status_code == 201
    copies = response.get_json()["items"]
    assert [c["inventory_number"] for c in copies] == ["1", "2"]
    by_barcode = client.get(f"/api/v1/copies/by-barcode/{copies[1]['barcode']}", headers=headers).get_json()
    assert by_barcode["inventory_number"] == "2" and by_barcode["history"][0]["to"] == "in_processing"
    assert client.get("/api/v1/copies/by-inventory/2", headers=headers).get_json()["id"] == copies[1]["id"]
    patched = client.patch(f"/api/v1/copies/{copies[0]['id']}", json={"status": "available", "reason": "processed",
                                                                     "call_number": "51 С24"}, headers=headers)
    assert patched.get_json()["status"] == "available" and patched.get_json()["call_number"] == "51 С24"
    act = client.post("/api/v1/acts", json={"act_date": "2026-06-01", "reason": "worn", "copies": ["1"]},
                      headers=headers).get_json()
    act = client.post(f"/api/v1/acts/{act['id']}/copies", json={"copies": ["2"]}, headers=headers).get_json()
    assert act["count"] == 2 and act["total"] == "300.00"
    confirmed = client.post(f"/api/v1/acts/{act['id']}/confirm", headers=headers).get_json()
    assert confirmed["status"] == "confirmed"
    assert client.get(f"/api/v1/copies/{copies[0]['id']}", headers=headers).get_json()["status"] == "withdrawn"
    part3 = client.get("/api/v1/registers/ksu/3?year=2026", headers=headers).get_json()
    assert part3["total"]["in_count"] == 2 and part3["total"]["out_count"] == 2 and part3["total"]["end_count"] == 0
    part1 = client.get("/api/v1/registers/ksu/1?year=2026", headers=headers).get_json()
    assert part1["rows"][0][0] == "1/2026"
    inventory = client.get("/api/v1/registers/inventory?first=1&last=2&format=csv", headers=headers)
    assert "Списаний" in inventory.get_data(as_text=True)
    assert client.get(f"/api/v1/acts/{act['id']}?format=pdf", headers=headers).data.startswith(b"%PDF-")
    assert client.get("/api/v1/copies?page=x", headers=headers).status_code == 400
    assert client.get(f"/api/v1/copies?receipt_id={receipt['id']}", headers=headers).get_json()["total"] == 2
    reader = api_token("reader-services")
    assert client.post("/api/v1/receipts", json={"source_type": "donation"}, headers=reader).status_code == 403
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/receipts/{receipt_id}/copies" in spec["paths"] and "/acts/{act_id}/confirm" in spec["paths"]
    assert "Copy" in spec["components"]["schemas"]
