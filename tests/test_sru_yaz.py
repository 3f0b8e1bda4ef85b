"""The real YAZ client (Debian ``yaz``) against a running Kataloh: SRU GET 1.2, POST 1.2,
SOAP 1.2 (Koha's default transport) and GET 2.0; explain, find, show and scan succeed,
and the MARCXML it receives parses back into the record that was saved."""

import io
import os
import re
import shutil
import subprocess

import pymarc
import pytest

from tests.sru_support import load_records

YAZ = shutil.which("yaz-client")


@pytest.fixture
def yaz():
    if not YAZ:
        if os.environ.get("CI"):
            pytest.fail("yaz-client is not installed: scripts/test.sh installs the Debian package yaz")
        pytest.skip("yaz-client is not installed (Debian package yaz)")
    return YAZ


def run_yaz(yaz, tmp_path, url: str, mode: str, commands: list[str]) -> str:
    script = tmp_path / "cmds"
    script.write_text("\n".join([f"open {url}", f"sru {mode}", "querytype cql", "schema marcxml", *commands]) + "\n",
                      encoding="utf-8")
    done = subprocess.run([yaz, "-f", str(script)], capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
                          cwd=tmp_path)
    return done.stdout.decode("utf-8", "replace")


def shown_records(output: str) -> list[str]:
    """The XML of each record yaz-client printed after ``pos=N schema=...``."""
    return re.findall(r"pos=\d+ schema=\S+\n(.*?)(?=\npos=\d+ |\nElapsed:)", output, re.S)


@pytest.mark.parametrize("mode", ["get 1.2", "post 1.2", "soap 1.2", "get 2.0"])
def test_yaz_client_explain_find_show_scan(app, live_server, yaz, tmp_path, mode):
    from catalog.db import get_session
    from catalog.models import Record
    from marc.io import record_from_json

    saved = load_records(app)
    with app.app_context():
        marc21 = get_session().query(Record).filter(Record.format == "marc21").order_by(Record.id).first()
        stored = record_from_json(marc21.marc)
        record_id = marc21.id
    output = run_yaz(yaz, tmp_path, f"{live_server}/sru", mode, [
        "find dc.author = Голсуорси",
        "show 1+2",
        f"find rec.id = {record_id}",
        "show 1",
        "scan dc.title=к",
        "explain",
    ])
    hits = re.findall(r"Number of hits: (\d+)", output)
    assert len(hits) >= 2, output[:2000]
    galsworthy = sum(1 for r in saved.values() if "Голсуорси" in str(r))
    assert int(hits[0]) == galsworthy > 2
    assert int(hits[-1]) == 1
    records = shown_records(output)
    assert len(records) == 3, output[:3000]
    assert all("Голсуорси" in r for r in records[:2])
    got = pymarc.parse_xml_to_array(io.BytesIO(records[2].encode("utf-8")))[0]
    assert [str(f) for f in got.fields] == [str(f) for f in stored.fields]
    leader, original = str(got.leader), str(stored.leader)
    assert leader[5:9] + leader[10:] == original[5:9] + original[10:]  # 09 is 'a' (UTF-8) in MARCXML
    assert "Received SRW Scan Response" in output
    scan = re.search(r"Received SRW Scan Response\n(.*?)\n(?:Elapsed|Z>)", output, re.S)
    terms = [line.rsplit(":", 1) for line in scan.group(1).splitlines() if ":" in line]
    assert terms and terms[0][0].startswith("к") and all(int(c) >= 1 for _, c in terms)
    assert 'schema=http://explain.z3950.org/dtd/2.0/' in output
    assert "<explain" in output and "dc.title" in output
    assert "Diagnostic" not in output
