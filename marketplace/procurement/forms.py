"""HTML forms for quotes, tenders, bids, awards and approvals; prices are typed in major units."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from listings.reference import INCOTERMS
from marketplace.core import clock
from marketplace.core.bounds import PERCENT, QUANTITY, BoundedIntegerField
from marketplace.core.errors import ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.money import CURRENCIES, Money, MoneyError
from marketplace.procurement.tender_rules import (
    CUSTOM_WEIGHT,
    EXTENSION_MINUTES,
    LEAD_DAYS,
    MAX_ITEMS,
)


def minor(value: Decimal | None, currency: str, field: str, errors: dict) -> int | None:
    """A typed major-unit amount as minor units; a message on the field when it does not fit."""
    if value is None:
        return None
    try:
        return Money.parse(value, currency).amount
    except MoneyError:
        errors[field] = [str(_l("Give an amount with at most two decimal places."))]
        return None


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuoteForm(FlaskForm):
    unit_price = DecimalField(_l("Unit price"), places=2, validators=[Optional()])
    quantity = BoundedIntegerField(
        _l("Quantity"), [Optional(), NumberRange(min=1)], bound=QUANTITY, domain_rule=True
    )
    lead_time_days = BoundedIntegerField(
        _l("Lead time (days)"), [Optional(), NumberRange(min=0)], bound=LEAD_DAYS, domain_rule=True
    )
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    incoterm = SelectField(_l("Incoterms"), choices=[("", "—"), *[(k, k) for k in INCOTERMS]],
                           validators=[Optional()])  # fmt: skip
    shipping_cost = DecimalField(
        _l("Shipping cost (whole delivery)"), places=2, validators=[Optional()]
    )
    payment_terms = StringField(_l("Payment terms"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    attachments = MultipleFileField(_l("Attachments (PDF, images, office files; at most 3)"))

    def to_data(self, currency: str) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {
            "unit_price": minor(self.unit_price.data, currency, "unit_price", errors),
            "quantity": self.quantity.data,
            "lead_time_days": self.lead_time_days.data,
            "valid_until": self.valid_until.data,
            "incoterm": self.incoterm.data or None,
            "shipping_cost": minor(self.shipping_cost.data, currency, "shipping_cost", errors),
            "payment_terms": self.payment_terms.data,
            "note": self.note.data,
        }
        if errors:
            raise ValidationError(errors)
        return {k: v for k, v in data.items() if v is not None}

    def files(self) -> list[tuple[Any, str]]:
        return [(f.stream, f.filename) for f in self.attachments.data or [] if f and f.filename]


class TenderItemForm(Form):
    """One row of a sealed tender's items; an empty row is left out."""

    description = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    quantity = BoundedIntegerField(
        _l("Quantity"), [Optional(), NumberRange(min=1)], bound=QUANTITY, domain_rule=True
    )
    unit = StringField(_l("Unit"), default="pcs", validators=[Optional(), Length(max=20)])

    def is_blank(self) -> bool:
        return not (self.description.data or "").strip() and self.quantity.data is None


class TenderForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[("sealed", _l("Sealed tender")),
                                            ("reverse_auction", _l("Reverse auction"))])  # fmt: skip
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    # a sealed tender's items; "Add item" posts the form back with one more row
    items = FieldList(FormField(TenderItemForm), min_entries=1, max_entries=MAX_ITEMS)
    # a reverse auction's one item (and the old single-item sealed tender)
    quantity = BoundedIntegerField(
        _l("Quantity"), [Optional(), NumberRange(min=1)], bound=QUANTITY, domain_rule=True
    )
    unit = StringField(_l("Unit"), default="pcs", validators=[Optional(), Length(max=20)])
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES], default="EUR")
    required_documents = TextAreaField(
        _l("Required documents (one per line)"), validators=[Optional()]
    )
    opens_at = DateTimeLocalField(_l("Opens at (UTC)"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at (UTC)"), validators=[Optional()])
    invited_only = BooleanField(_l("Only invited suppliers may take part"), default=True)
    invited_company_ids = SelectMultipleField(_l("Invited suppliers"), coerce=int, choices=[])
    weight_price = BoundedIntegerField(
        _l("Weight: price"), [Optional()], default=100, bound=PERCENT, domain_rule=True
    )
    weight_lead_time = BoundedIntegerField(
        _l("Weight: lead time"), [Optional()], default=0, bound=PERCENT, domain_rule=True
    )
    weight_rating = BoundedIntegerField(
        _l("Weight: supplier rating"), [Optional()], default=0, bound=PERCENT, domain_rule=True
    )
    custom1_name = StringField(_l("Custom criterion 1"), validators=[Optional(), Length(max=80)])
    custom1_weight = BoundedIntegerField(
        _l("Weight"), [Optional()], bound=CUSTOM_WEIGHT, domain_rule=True
    )
    custom2_name = StringField(_l("Custom criterion 2"), validators=[Optional(), Length(max=80)])
    custom2_weight = BoundedIntegerField(
        _l("Weight"), [Optional()], bound=CUSTOM_WEIGHT, domain_rule=True
    )
    starting_price = DecimalField(_l("Starting unit price"), places=2, validators=[Optional()])
    decrement_amount = DecimalField(
        _l("Minimum decrement (amount)"), places=2, validators=[Optional()]
    )
    decrement_percent = DecimalField(_l("Minimum decrement (%)"), places=2, validators=[Optional()])
    extension_minutes = BoundedIntegerField(_l("Anti-sniping extension (minutes)"), [Optional()],
                                            default=2, bound=EXTENSION_MINUTES,
                                            domain_rule=True)  # fmt: skip
    show_best_price = BooleanField(_l("Show bidders the best price"))

    def add_item_row(self) -> bool:
        """One more empty item row, up to the limit; False when the form already has the most."""
        if len(self.items.entries) >= MAX_ITEMS:
            return False
        self.items.append_entry()
        return True

    def _filled_rows(self) -> list[int]:
        return [i for i, entry in enumerate(self.items.entries) if not entry.form.is_blank()]

    def apply_errors(self, error: ValidationError) -> None:
        """items.N.field goes beside that field of the N-th filled row; the rest as usual."""
        rows = self._filled_rows()
        others: dict[str, list[str]] = {}
        for key, messages in error.errors.items():
            parts = key.split(".")
            if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit():
                index = int(parts[1])
                entry = self.items.entries[rows[index]] if index < len(rows) else None
                field = entry.form._fields.get(parts[2]) if entry is not None else None
                if field is not None:
                    field.errors = [*list(field.errors or []), *messages]
                    continue
            if key == "items":
                self.form_errors.extend(messages)
                continue
            others[key] = messages
        if others:
            apply_errors(self, ValidationError(others))
        elif not error.errors:
            self.form_errors.append(error.message)

    def to_data(self) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        currency = self.currency.data
        data: dict[str, Any] = {
            "kind": self.kind.data,
            "title": self.title.data,
            "description": self.description.data or "",
            "currency": currency,
            "required_documents": lines(self.required_documents.data),
            "closes_at": self.closes_at.data.replace(tzinfo=clock.UTC)
            if self.closes_at.data
            else None,
            "invited_only": self.invited_only.data,
            "invited_company_ids": list(self.invited_company_ids.data or []),
        }
        if self.opens_at.data:
            data["opens_at"] = self.opens_at.data.replace(tzinfo=clock.UTC)
        rows = [self.items.entries[i].form for i in self._filled_rows()]
        if self.kind.data != "reverse_auction" and (rows or self.quantity.data is None):
            data["items"] = [
                {"description": row.description.data or "", "quantity": row.quantity.data,
                 "unit": row.unit.data or ""}
                for row in rows
            ]  # fmt: skip
        else:  # an auction, or a sealed tender of one item given the old way
            data["quantity"], data["unit"] = self.quantity.data, self.unit.data
        if self.kind.data == "reverse_auction":
            data["starting_price"] = minor(
                self.starting_price.data, currency, "starting_price", errors
            )
            data["decrement_amount"] = minor(
                self.decrement_amount.data, currency, "decrement_amount", errors
            )
            if self.decrement_percent.data is not None:
                data["decrement_bp"] = int(self.decrement_percent.data * 100)
            data["extension_minutes"] = self.extension_minutes.data
            data["show_best_price"] = self.show_best_price.data
        else:
            data["weight_price"] = self.weight_price.data or 0
            data["weight_lead_time"] = self.weight_lead_time.data or 0
            data["weight_rating"] = self.weight_rating.data or 0
            data["custom_criteria"] = [
                {"name": name.data.strip(), "weight": weight.data}
                for name, weight in (
                    (self.custom1_name, self.custom1_weight),
                    (self.custom2_name, self.custom2_weight),
                )  # fmt: skip
                if (name.data or "").strip() or weight.data
            ]
        if errors:
            raise ValidationError(errors)
        return data


class SealedBidForm(FlaskForm):
    """A sealed bid: a unit price field per item (price_<item id>, added by sealed_bid_form)."""

    lead_time_days = BoundedIntegerField(
        _l("Lead time (days)"),
        [InputRequired(), NumberRange(min=0)],
        bound=LEAD_DAYS,
        domain_rule=True,
    )
    documents = TextAreaField(_l("Documents you provide (one per line)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    item_ids: tuple[int, ...] = ()

    def price_field(self, item_id: int) -> Any:
        return self[f"price_{item_id}"]

    def apply_errors(self, error: ValidationError) -> None:
        """prices.<item id> goes beside that item's price field; the rest as usual."""
        fields = {}
        for key, messages in error.errors.items():
            parts = key.split(".")
            if parts[0] == "prices" and len(parts) == 2 and parts[1].isdigit():
                name = f"price_{parts[1]}"
                if name in self._fields:
                    fields[name] = messages
                    continue
            fields[key] = messages
        if fields:
            apply_errors(self, ValidationError(fields))
        else:
            self.form_errors.append(error.message)

    def to_data(self, currency: str) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        prices = []
        for item_id in self.item_ids:
            value = self.price_field(item_id).data
            if value is not None:
                price = minor(value, currency, f"prices.{item_id}", errors)
                prices.append({"item_id": item_id, "unit_price": price})
        data = {
            "prices": prices,
            "lead_time_days": self.lead_time_days.data,
            "documents": lines(self.documents.data),
            "note": self.note.data or "",
        }
        if errors:
            raise ValidationError(errors)
        return data


def sealed_bid_form(items: list[Any], **kwargs: Any) -> SealedBidForm:
    """The sealed bid form of a tender: one unit price field per item, in the items' order."""

    class TenderBidForm(SealedBidForm):
        item_ids = tuple(item.id for item in items)

    for item in items:
        setattr(
            TenderBidForm,
            f"price_{item.id}",
            DecimalField(
                _l("Unit price: %(item)s", item=item.label),
                places=2,
                validators=[Optional()],
                description=f"{item.quantity} {item.unit}",
            ),
        )
    return TenderBidForm(**kwargs)


class AuctionBidForm(FlaskForm):
    unit_price = DecimalField(_l("Your new unit price"), places=2, validators=[InputRequired()])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(min=3, max=2000)])


class DecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class LimitForm(FlaskForm):
    user_id = SelectField(_l("Buyer"), coerce=int, choices=[])
    amount = DecimalField(
        _l("Limit per purchase (empty: no limit)"), places=2, validators=[Optional()]
    )
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES], default="EUR")
