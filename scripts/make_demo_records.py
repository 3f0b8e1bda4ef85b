"""Write catalog/demo/data/ukrainian-unimarc.json: the demo's Ukrainian UNIMARC records.

Run once by hand (python scripts/make_demo_records.py); the JSON file is what the demo loads.
"""

import json
from pathlib import Path

from pymarc import Field, Leader, Record, Subfield

OUT = Path(__file__).resolve().parent.parent / "catalog" / "demo" / "data" / "ukrainian-unimarc.json"


def with_check_digit(isbn: str) -> str:
    """The ISBN-13 with its check digit recomputed (the demo's numbers are illustrative)."""
    digits = [int(c) for c in isbn if c.isdigit()][:12]
    check = (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
    return isbn[:-1] + str(check)


def unimarc_book(rid, isbn, lang, title, sub, resp, place, pub, year, pages, udc, subjects, authors,
                 series=None, note=None, url=None, bbk=None):
    r = Record(force_utf8=True)
    r.leader = Leader("00000nam0 2200000 i 450 ")
    r.add_field(Field(tag="001", data=rid))
    r.add_field(Field(tag="005", data="20230315120000.0"))
    if isbn:
        r.add_field(Field(tag="010", indicators=[" ", " "], subfields=[Subfield("a", with_check_digit(isbn))]))
    r.add_field(Field(tag="100", indicators=[" ", " "], subfields=[Subfield("a", f"20230315d{year}    k  y0ukry50      ca")]))
    r.add_field(Field(tag="101", indicators=["0", " "], subfields=[Subfield("a", lang)]))
    r.add_field(Field(tag="102", indicators=[" ", " "], subfields=[Subfield("a", "UA")]))
    sf = [Subfield("a", title)]
    for part in (sub.split(" : ") if sub else []):
        sf.append(Subfield("e", part))
    if resp:
        sf.append(Subfield("f", resp))
    r.add_field(Field(tag="200", indicators=["1", " "], subfields=sf))
    r.add_field(Field(tag="210", indicators=[" ", " "], subfields=[Subfield("a", place), Subfield("c", pub), Subfield("d", year)]))
    r.add_field(Field(tag="215", indicators=[" ", " "], subfields=[Subfield("a", pages)]))
    if series:
        r.add_field(Field(tag="225", indicators=["1", " "], subfields=[Subfield("a", series)]))
    if note:
        r.add_field(Field(tag="300", indicators=[" ", " "], subfields=[Subfield("a", note)]))
    for s in subjects:
        parts = s.split(" -- ")
        sfs = [Subfield("a", parts[0])] + [Subfield("x", p) for p in parts[1:]]
        r.add_field(Field(tag="606", indicators=["0", " "], subfields=sfs))
    r.add_field(Field(tag="675", indicators=[" ", " "], subfields=[Subfield("a", udc)]))
    if bbk:
        r.add_field(Field(tag="686", indicators=[" ", " "], subfields=[Subfield("a", bbk), Subfield("2", "rubbk")]))
    for i, (fam, ini, full) in enumerate(authors):
        r.add_field(Field(tag="700" if i == 0 else "701", indicators=[" ", "1"],
                          subfields=[Subfield("a", fam), Subfield("b", ini), Subfield("g", full), Subfield("4", "070")]))
    if url:
        r.add_field(Field(tag="856", indicators=["4", " "], subfields=[Subfield("u", url)]))
    r.add_field(Field(tag="801", indicators=[" ", "0"], subfields=[Subfield("a", "UA"), Subfield("b", "UA-LuOUNB"), Subfield("c", "20230315")]))
    return r


RECORDS = [
    unimarc_book("ua-demo-0001", "978-966-346-520-8", "ukr", "Вища математика", "математичний аналіз і теорія ймовірностей : підручник",
                 "П. Л. Свердан", "Київ", "Знання", "2008", "450 с.", "517(075.8)", ["Математичний аналіз", "Теорія ймовірностей"],
                 [("Свердан", "П. Л.", "Петро Лукич")]),
    unimarc_book("ua-demo-0002", "978-966-03-8765-7", "ukr", "Кобзар", None, "Тарас Шевченко ; передм. І. Дзюби", "Харків", "Фоліо",
                 "2019", "638 с.", "821.161.2-1", ["Українська поезія -- 19 ст."], [("Шевченко", "Т. Г.", "Тарас Григорович")],
                 series="Бібліотека світової літератури"),
    unimarc_book("ua-demo-0003", "978-617-585-066-2", "ukr", "Лісова пісня", "драма-феєрія", "Леся Українка", "Київ",
                 "Видавництво Старого Лева", "2021", "160 с.", "821.161.2-2", ["Українська драматургія"], [("Українка", "Л.", "Леся")]),
    unimarc_book("ua-demo-0004", "978-966-10-5017-3", "ukr", "Тіні забутих предків", "повість", "Михайло Коцюбинський", "Тернопіль",
                 "Навчальна книга – Богдан", "2018", "128 с.", "821.161.2-3", ["Українська проза", "Гуцульщина -- У літературі"],
                 [("Коцюбинський", "М. М.", "Михайло Михайлович")]),
    unimarc_book("ua-demo-0005", "978-966-2355-43-2", "ukr", "Бібліотеки України в умовах війни", "збірник матеріалів",
                 "Нац. б-ка України ім. В. І. Вернадського ; упоряд. О. М. Бруй", "Київ", "НБУВ", "2023", "212 с.", "027(477)",
                 ["Бібліотеки -- Україна -- 21 ст.", "Російсько-українська війна, 2014- -- Вплив"], [("Бруй", "О. М.", "Оксана Миколаївна")],
                 note="Текст укр. та англ. мовами", url="http://www.nbuv.gov.ua/"),
    unimarc_book("ua-demo-0006", "978-617-7585-30-9", "ukr", "Ґрунтознавство", "навчальний посібник", "В. І. Купчик, В. В. Іваніна",
                 "Київ", "Кондор", "2017", "414 с.", "631.4(075.8)", ["Ґрунтознавство"],
                 [("Купчик", "В. І.", "Василь Іванович"), ("Іваніна", "В. В.", "Вікторія Володимирівна")], bbk="40.3я73"),
    unimarc_book("ua-demo-0007", "978-966-7067-44-6", "ukr", "М’ясо і м’ясні продукти", "технологія виробництва", "Г. В. Дейниченко",
                 "Харків", "Факт", "2004", "288 с.", "637.5", ["М’ясні продукти -- Технологія"], [("Дейниченко", "Г. В.", "Геннадій Вікторович")]),
    unimarc_book("ua-demo-0008", "978-966-97784-2-1", "ukr", "Луганщина", "історія краю", "за ред. В. М. Гладкого", "Старобільськ",
                 "ЛНУ імені Тараса Шевченка", "2020", "356 с.", "94(477.61)", ["Луганська область -- Історія", "Краєзнавство"],
                 [("Гладкий", "В. М.", "Віталій Миколайович")]),
    unimarc_book("ua-demo-0009", "978-966-679-944-0", "ukr", "Київ", "історична енциклопедія", "Інститут історії України", "Київ",
                 "Наукова думка", "2015", "732 с.", "94(477-25)(031)", ["Київ -- Історія -- Енциклопедії"], []),
    unimarc_book("ua-demo-0010", "978-5-7525-2071-7", "rus", "Библиотеки и чтение", "монография", "Ю. П. Мелентьева", "Москва", "Наука",
                 "2008", "216 с.", "028", ["Чтение -- Социология", "Библиотеки"], [("Мелентьева", "Ю. П.", "Юлия Петровна")]),
]

if __name__ == "__main__":
    OUT.write_text(json.dumps([json.loads(r.as_json()) for r in RECORDS], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(RECORDS)} records to {OUT}")
