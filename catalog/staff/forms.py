from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField


class ImportForm(FlaskForm):
    file = FileField(_l("MARC file (ISO 2709, MARCXML or MARC-in-JSON)"), validators=[FileRequired()])
    format = SelectField(_l("Format"), choices=[("auto", _l("Detect")), ("unimarc", "UNIMARC"), ("marc21", "MARC21")])
    encoding = SelectField(_l("Character set"), choices=[("", _l("Detect")), ("utf-8", "UTF-8"), ("marc-8", "MARC-8"),
                                                         ("cp1251", "Windows-1251"), ("cp866", "CP866")])
    status = SelectField(_l("Status of new records"), choices=[("published", _l("published")), ("draft", _l("draft"))])
    dry_run = BooleanField(_l("Dry run: check only, store nothing"))
