"""No lost update: record versions, the refusal of a save based on an older version, and one-time form keys.

Patients, lines and draft restagings carry a `version` (1 when created, one more on each save through the
services). An edit form carries the version it was based on; the service takes the next version with one
conditional UPDATE (`... SET version = n + 1 WHERE id = ... AND version = n`), so of two saves based on the same
version only one passes. The other raises `StaleRecord`, whose notice says who saved meanwhile, when, and what
changed (from the history records); the page shows it above what the user typed, and the form then carries the
current version, so submitting again deliberately replaces the record.

A create form carries a one-time submission key (a UUID made when the form is rendered), stored on the record it
creates: posting the same form again opens that record instead of making a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.utils import timezone

from patients import numbers

MISSING_VERSION = (
    "This page is out of date or incomplete (it does not say which version of the record it shows): reload the "
    "page and enter your changes again."
)
MISSING_VERSION_CODE = "missing_version"
# Fields never listed among the changes: bookkeeping, not what a clinician typed.
NOT_SHOWN = {
    "id", "version", "submission_key", "created_at", "created_by", "updated_at", "completed_at", "completed_by",
    "status", "values_as_entered", "patient", "number", "supersedes", "correction_reason",
}  # fmt: skip


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: a fact of what was saved meanwhile, with nothing before it
    now: str


@dataclass(frozen=True)
class StaleNotice:
    """Why a save was refused: what was saved meanwhile, by whom and when, and what changed."""

    what: str  # "patient record", "line 2", "restaging draft", ...
    based_on: int
    current: int
    saved_by: list[str] = field(default_factory=list)
    saved_at: datetime | None = None
    changes: list[Change] = field(default_factory=list)
    action: str = "saved"
    title: str = ""  # instead of the headline about versions
    advice: str = ""  # instead of the next step about saving again
    changes_title: str = "Changed meanwhile (as it was when you opened the page → as it is now):"

    @property
    def who(self) -> str:
        if not self.saved_by:
            return "Someone"
        if len(self.saved_by) == 1:
            return self.saved_by[0]
        return ", ".join(self.saved_by[:-1]) + " and " + self.saved_by[-1]

    @property
    def when(self) -> str:
        return on_time(self.saved_at)

    @property
    def headline(self) -> str:
        if self.title:
            return self.title
        return (
            f"Your changes were not saved: {self.who} {self.action} this {self.what} meanwhile{self.when}, after you "
            f"opened it (you started from version {self.based_on}; it is now version {self.current})."
        )

    @property
    def next_step(self) -> str:
        if self.advice:
            return self.advice
        return (
            "What you typed is kept below. Check it against the changes listed here: saving again replaces the "
            f"{self.what} with what the form holds then."
        )

    def __str__(self) -> str:
        listed = "; ".join(
            f"{c.label}: {c.now}" if c.before is None else f"{c.label}: {c.before} → {c.now}" for c in self.changes
        )
        return self.headline + (f" Changed meanwhile: {listed}." if listed else "") + " " + self.next_step


def on_time(moment: datetime | None) -> str:
    """ " on 2026-12-01 at 19:05" (local time), or nothing."""
    return f" on {timezone.localtime(moment):%Y-%m-%d at %H:%M}" if moment else ""


class StaleRecord(Exception):
    """A save based on an older version of the record (or an earlier state of a board case)."""

    def __init__(self, notice: StaleNotice):
        self.notice = notice
        super().__init__(str(notice))


# --- taking the next version -----------------------------------------------------------------------------------


def take_next_version(
    instance: Any,
    *,
    based_on: int | None,
    what: str,
    only_fields: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Inside the caller's transaction: move the stored record from version `based_on` to the next one and set
    `instance.version` to it; the caller then saves the instance. Raises StaleRecord when the record was saved
    since `based_on` (None: the version the instance was read at).

    With `only_fields` (a wizard step, which writes only its own fields) a newer version is refused only when one
    of those fields changed meanwhile; otherwise the step is saved on top of it. `extra` narrows the row further
    (e.g. status="draft"); returns False when no row matches it."""
    model = type(instance)
    based_on = instance.version if based_on is None else based_on
    rows = model._default_manager.select_for_update().filter(pk=instance.pk, **(extra or {}))
    current = rows.values_list("version", flat=True).first()
    if current is None:
        return False
    if current != based_on:
        notice = stale_notice(instance, based_on=based_on, current=current, what=what, only_fields=only_fields)
        if only_fields is None or notice.changes:
            raise StaleRecord(notice)
        instance.refresh_from_db()  # the other fields as saved meanwhile: this save keeps them
    # The UPDATE itself checks the version: of two saves that read the same version, the second changes nothing.
    if not model._default_manager.filter(pk=instance.pk, version=current).update(version=current + 1):
        latest = model._default_manager.values_list("version", flat=True).get(pk=instance.pk)
        raise StaleRecord(stale_notice(instance, based_on=based_on, current=latest, what=what))
    instance.version = current + 1
    return True


# --- what changed meanwhile ------------------------------------------------------------------------------------


def person(user: Any) -> str:
    if user is None:
        return "someone (no user recorded)"
    return user.get_full_name() or user.get_username()


def shown(model_field: models.Field, value: Any) -> str:
    """A stored value as the forms show it."""
    if value is None or value == "":
        return "not recorded"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return numbers.shown(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items()) or "none"
    return str(value)


def _label(model_field: models.Field) -> str:
    label = str(model_field.verbose_name)
    return label if label[:1].isupper() or label.startswith(("del(", "t(")) else label[:1].upper() + label[1:]


def stale_notice(
    instance: Any, *, based_on: int, current: int, what: str, only_fields: list[str] | None = None
) -> StaleNotice:
    """Who saved the record after version `based_on` and when, and which fields differ between that version (as
    its history records it) and the record as stored now."""
    model = type(instance)
    history = model.history.filter(id=instance.pk)
    base = history.filter(version=based_on).order_by("-history_date", "-history_id").first()
    later = list(history.filter(version__gt=based_on).select_related("history_user").order_by("history_date"))
    stored = model._default_manager.get(pk=instance.pk)
    names = list(dict.fromkeys(person(row.history_user) for row in later))
    changes: list[Change] = []
    if base is not None:
        for model_field in model._meta.concrete_fields:
            if model_field.name in NOT_SHOWN or (only_fields is not None and model_field.name not in only_fields):
                continue
            before, now = getattr(base, model_field.attname), getattr(stored, model_field.attname)
            if before != now:
                changes.append(Change(_label(model_field), shown(model_field, before), shown(model_field, now)))
        if hasattr(instance, "drugs") and later and only_fields is None:
            changes += _drug_changes(instance.pk, later[0].history_date)
    return StaleNotice(
        what=what,
        based_on=based_on,
        current=current,
        saved_by=names,
        saved_at=later[-1].history_date if later else None,
        changes=changes,
    )


def _drug_changes(line_pk: int, before: datetime) -> list[Change]:
    """A line's drugs just before the first save meanwhile, and now (from the drugs' history)."""
    from patients.models import LineDrug
    from regimens.models import Drug

    latest: dict[int, Any] = {}
    rows = LineDrug.history.filter(line_id=line_pk, history_date__lt=before)
    for row in rows.order_by("history_date", "history_id"):
        latest[row.id] = row
    then = [row for row in latest.values() if row.history_type != "-"]
    names = dict(Drug.objects.values_list("pk", "name"))

    def words(drugs: list[Any], maintenance: bool) -> str:
        ordered = sorted((d for d in drugs if d.is_maintenance == maintenance), key=lambda d: d.position)
        return ", ".join(names.get(d.drug_id, str(d.drug_id)) for d in ordered) or "none"

    now = list(LineDrug.objects.filter(line_id=line_pk))
    changes = []
    for label, maintenance in (("Drugs of the line", False), ("Maintenance drugs", True)):
        old, new = words(then, maintenance), words(now, maintenance)
        if old != new:
            changes.append(Change(label, old, new))
    return changes


# --- forms ---------------------------------------------------------------------------------------------------


def version_field(initial: int | None) -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, initial=initial)


def key_field() -> forms.UUIDField:
    return forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class VersionedFormMixin:
    """A record form carrying the version it was based on (editing) or a one-time submission key (creating), as
    hidden fields. A posted edit without its version is refused: the page asks to reload."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.fields["version"] = version_field(instance.version)
        else:
            self.fields["submission_key"] = key_field()
        helper = getattr(self, "helper", None)
        if helper is not None:
            helper.render_hidden_fields = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        check_version_given(self)
        return cleaned

    def record_data(self) -> dict[str, Any]:
        """The cleaned values for the services, without the hidden version and key."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "submission_key")}

    @property
    def based_on(self) -> int:
        return self.cleaned_data["version"]

    @property
    def submission_key(self) -> uuid.UUID | None:
        return self.cleaned_data.get("submission_key")


def check_version_given(form: Any) -> None:
    if "version" in form.fields and form.cleaned_data.get("version") is None and form.is_bound:
        form.add_error(None, forms.ValidationError(MISSING_VERSION, code=MISSING_VERSION_CODE))


def missing_version(form: Any) -> bool:
    return form.is_bound and form.has_error(NON_FIELD_ERRORS, code=MISSING_VERSION_CODE)


def carry_current(form: Any, version: int, name: str = "version") -> None:
    """After a refusal: the re-rendered form keeps what was typed and carries the current version, so that
    submitting again is a deliberate save over the other change."""
    data = form.data.copy()
    data[form.add_prefix(name)] = str(version)
    form.data = data


def posted_key(data: Any, name: str = "submission_key") -> uuid.UUID | None:
    """The one-time key a create form posted, or None (missing or not a UUID)."""
    try:
        return uuid.UUID(str(data.get(name, "")))
    except ValueError:
        return None
