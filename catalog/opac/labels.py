"""Readable labels for facet values (codes stay in URLs)."""

from flask_babel import lazy_gettext as _l

from marc import udc

MATERIAL_TYPES = {
    "book": _l("Books"), "serial": _l("Serials"), "article": _l("Articles and chapters"), "e-resource": _l("E-resources"),
    "music": _l("Music"), "map": _l("Maps"), "video": _l("Video"), "other": _l("Other"),
}
LANGUAGES = {
    "ukr": _l("Ukrainian"), "rus": _l("Russian"), "eng": _l("English"), "ger": _l("German"), "deu": _l("German"),
    "fre": _l("French"), "fra": _l("French"), "pol": _l("Polish"), "bel": _l("Belarusian"), "lat": _l("Latin"),
    "spa": _l("Spanish"), "ita": _l("Italian"), "chi": _l("Chinese"), "jpn": _l("Japanese"), "heb": _l("Hebrew"),
    "ara": _l("Arabic"), "per": _l("Persian"), "cze": _l("Czech"), "und": _l("Undetermined"), "mul": _l("Several languages"),
}
AVAILABILITY = {"available": _l("Available"), "unavailable": _l("Not available now"), "none": _l("No copies")}
FACET_TITLES = {
    "material_type": _l("Material type"), "language": _l("Language"), "year": _l("Year"), "subject": _l("Subject"),
    "udc_class": _l("UDC class"), "availability": _l("Availability"),
}


def facet_label(facet: str, value: str, lang: str = "uk") -> str:
    if facet == "material_type":
        return str(MATERIAL_TYPES.get(value, value))
    if facet == "language":
        return str(LANGUAGES.get(value, value))
    if facet == "availability":
        return str(AVAILABILITY.get(value, value))
    if facet == "udc_class":
        node = udc.find(value)
        return f"{value} {node.caption(lang)}" if node else value
    return value
