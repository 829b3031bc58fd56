"""HTML forms for the company profile, logo and certificates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.companies import services
from marketplace.companies.reference import (
    CERTIFICATE_KINDS,
    COMPANY_SIZES,
    INDUSTRIES,
    LANGUAGE_CODES,
)
from marketplace.core.bounds import YEAR, BoundedIntegerField


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=200)])
    legal_name = StringField(_l("Legal name"), validators=[Length(max=300)])
    vat_id = StringField(_l("EU VAT number"), validators=[Length(max=30)])
    nip = StringField(_l("NIP"), validators=[Length(max=20)])
    krs = StringField(_l("KRS"), validators=[Length(max=20)])
    regon = StringField(_l("REGON"), validators=[Length(max=20)])
    description = TextAreaField(
        _l("About the company"), validators=[Length(max=services.DESCRIPTION_MAX)]
    )
    industries = CheckboxesField(_l("Industries"), choices=[])
    capabilities = TextAreaField(_l("Capabilities (one per line)"), validators=[Length(max=3000)])
    languages = CheckboxesField(
        _l("Languages spoken"), choices=[(c, c.upper()) for c in LANGUAGE_CODES]
    )
    size = SelectField(_l("Company size"), choices=[], validators=[Optional()])
    year_founded = BoundedIntegerField(
        _l("Year founded"), [Optional()], bound=YEAR, domain_rule=True
    )
    website = StringField(_l("Website"), validators=[Length(max=300)])
    email = StringField(_l("Contact e-mail"), validators=[Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    city = StringField(_l("City"), validators=[Length(max=120)])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)])
    street = StringField(_l("Street and number"), validators=[Length(max=200)])
    latitude = DecimalField(_l("Latitude"), places=6, validators=[Optional()])
    longitude = DecimalField(_l("Longitude"), places=6, validators=[Optional()])

    def set_choices(self, countries: dict[str, str]) -> None:
        self.industries.choices = [(slug, str(label)) for slug, label in INDUSTRIES.items()]
        self.size.choices = [("", "—"), *((k, str(v)) for k, v in COMPANY_SIZES.items())]
        self.country.choices = list(countries.items())

    def to_data(self) -> dict:
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        data["capabilities"] = (data.get("capabilities") or "").splitlines()
        for coordinate in ("latitude", "longitude"):
            if data.get(coordinate) is not None:
                data[coordinate] = float(data[coordinate])
        return data


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo (PNG, JPEG, GIF or WebP, up to 5 MB)"))


class CertificateForm(FlaskForm):
    kind = SelectField(_l("Certificate"), choices=[("", "—"), *CERTIFICATE_KINDS.items()])
    name = StringField(_l("Name shown (optional)"), validators=[Length(max=200)])
    issuer = StringField(_l("Issued by"), validators=[Length(max=200)])
    number = StringField(_l("Certificate number"), validators=[Length(max=100)])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    document = FileField(_l("Scan (PDF or image, up to 10 MB)"))


class VerificationForm(FlaskForm):
    message = TextAreaField(_l("Message to the operator (optional)"), validators=[Length(max=2000)])
