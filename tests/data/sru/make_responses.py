"""How the SRU response files here were made: real records from ../shared/data/marc/ (see
../SOURCES.md) wrapped in SRU envelopes as each server sends them. Run from the repo root."""

from xml.sax.saxutils import escape

from lxml import etree

from marc.io import read_records

SHARED = "../shared/data/marc/"
OUT = "tests/data/sru/"
SRW = "http://www.loc.gov/zing/srw/"


def wrap(version, records_xml, total, schema, packing="xml", ns=SRW):
    recs = []
    for i, x in enumerate(records_xml, 1):
        data = x if packing == "xml" else escape(x)
        pk = (f"<recordPacking>{packing}</recordPacking>" if version.startswith("1")
              else f"<recordXMLEscaping>{packing}</recordXMLEscaping>")
        recs.append(f"<record><recordSchema>{schema}</recordSchema>{pk}<recordData>{data}</recordData>"
                    f"<recordPosition>{i}</recordPosition></record>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<searchRetrieveResponse xmlns="{ns}"><version>{version}</version>'
            f'<numberOfRecords>{total}</numberOfRecords><records>{"".join(recs)}</records></searchRetrieveResponse>\n')


def records_of(path, n):
    tree = etree.parse(path)
    recs = [e for e in tree.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "record"][:n]
    return [etree.tostring(r, encoding="unicode").strip() for r in recs]


def marcxchange(record):
    mx = "info:lc/xmlns/marcxchange-v2"
    parts = [f'<mxc:record xmlns:mxc="{mx}" format="UNIMARC" type="Bibliographic"><mxc:leader>{escape(str(record.leader))}</mxc:leader>']
    for f in record.fields:
        if f.is_control_field():
            parts.append(f'<mxc:controlfield tag="{f.tag}">{escape(f.data)}</mxc:controlfield>')
        else:
            subs = "".join(f'<mxc:subfield code="{escape(s.code)}">{escape(s.value)}</mxc:subfield>' for s in f.subfields)
            parts.append(f'<mxc:datafield tag="{f.tag}" ind1="{escape(f.indicator1)}" ind2="{escape(f.indicator2)}">{subs}</mxc:datafield>')
    parts.append("</mxc:record>")
    return "".join(parts)


def main():
    with open(OUT + "loc_marcxml_1.1.xml", "w") as fh:
        fh.write(wrap("1.1", records_of(SHARED + "marc2bibframe2/loc_general.xml", 1), 1, "marcxml"))
    with open(OUT + "dnb_marcxml_string_1.1.xml", "w") as fh:
        fh.write(wrap("1.1", records_of(SHARED + "marc2bibframe2/dnb.xml", 3), 99, "MARC21-xml", packing="string"))
    with open(OUT + "bl_marcxml_2.0.xml", "w") as fh:
        fh.write(wrap("2.0", records_of(SHARED + "marc2bibframe2/british_library.xml", 2), 99,
                      "info:srw/schema/1/marcxml-v1.1", ns="http://docs.oasis-open.org/ns/search-ws/sruResponse"))
    record = next(read_records(SHARED + "marc4s/rusmarc-utf8-example.iso")).record
    with open(OUT + "bnf_unimarcxchange_1.2.xml", "w") as fh:
        fh.write(wrap("1.2", [marcxchange(record)], 1, "unimarcXchange"))
    diag = ('<diagnostics><diagnostic xmlns="http://www.loc.gov/zing/srw/diagnostic/"><uri>info:srw/diagnostic/1/16</uri>'
            '<details>bib.foo</details><message>Unsupported index</message></diagnostic></diagnostics>')
    with open(OUT + "diagnostic_1.2.xml", "w") as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<searchRetrieveResponse xmlns="{SRW}"><version>1.2</version>'
                 f"<numberOfRecords>0</numberOfRecords>{diag}</searchRetrieveResponse>\n")


if __name__ == "__main__":
    main()
