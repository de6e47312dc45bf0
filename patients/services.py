"""Writes to the patient records, and the one mapping from records to the case exchange format.

Every write is keyword-only, typed and atomic, and logs who did it. `case_from_records` is the single function
that turns a patient's records into a `myeloma-cds-case/1` dict: the browser, `import_case` and the tumour-board
snapshot all go through it, so they all give the engine the same case. Nothing here decides clinically: the
engine (through `regimens.recommendations.recommend_case`) does.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from patients import accesslog, versions
from patients.models import (
    CYTOGENETIC_FIELDS,
    AccessAction,
    AccessLog,
    CaseReview,
    LineDrug,
    Patient,
    Restaging,
    RestagingStatus,
    TherapyLine,
)
from regimens.models import Drug, Regimen
from regimens.recommendations import recommend_case

CASE_FORMAT = "myeloma-cds-case/1"

PATIENT_FIELDS = ("birth_date", "sex", "weight_kg", "height_cm")
DIAGNOSIS_FIELDS = {  # case key -> Patient field
    "date": "diagnosis_date",
    "heavy_chain": "heavy_chain",
    "light_chain": "light_chain",
    "iss_stage": "iss_stage",
    "ldh_above_uln": "ldh_above_uln",
}
RESTAGING_SIMPLE_FIELDS = (
    "serum_m_protein_g_dl", "serum_m_protein_nadir_g_dl", "serum_m_protein_previous_g_dl",
    "previous_assessment_date",
    "urine_m_protein_mg_24h", "urine_m_protein_nadir_mg_24h", "urine_m_protein_previous_mg_24h",
    "involved_flc_mg_l", "uninvolved_flc_mg_l", "involved_flc_nadir_mg_l", "involved_flc_previous_mg_l",
    "creatinine_mg_dl", "creatinine_baseline_mg_dl", "calcium_mg_dl", "albumin_g_dl",
    "hemoglobin_g_dl", "hemoglobin_baseline_g_dl", "ldh_u_l", "ldh_uln_u_l", "beta2_microglobulin_mg_l",
    "igg_mg_dl", "bone_marrow_plasma_cells_pct", "circulating_plasma_cells_pct",
    "new_bone_lesions", "existing_lesion_growth", "crab_attributable_to_myeloma", "plasmacytoma", "hyperviscosity",
    "ecog", "charlson_comorbidity_index", "adl", "iadl", "peripheral_neuropathy_grade", "neuropathic_pain",
    "on_dialysis", "corneal_disease",
)  # fmt: skip
CARDIAC_FIELDS = ("heart_failure_nyha", "uncontrolled_hypertension")
VTE_FIELDS = ("prior_vte", "bmi_30_or_more", "central_line", "on_anticoagulant")
PREFERENCE_FIELDS = ("all_oral", "declines_transplant", "car_t_available")
# Restaging values a new restaging takes over from the previous one as its "previous" and "nadir" values.
CARRIED_OVER = {
    "serum_m_protein_previous_g_dl": "serum_m_protein_g_dl",
    "serum_m_protein_nadir_g_dl": "serum_m_protein_nadir_g_dl",
    "urine_m_protein_previous_mg_24h": "urine_m_protein_mg_24h",
    "urine_m_protein_nadir_mg_24h": "urine_m_protein_nadir_mg_24h",
    "involved_flc_previous_mg_l": "involved_flc_mg_l",
    "involved_flc_nadir_mg_l": "involved_flc_nadir_mg_l",
    "previous_assessment_date": "date",
    "creatinine_baseline_mg_dl": "creatinine_baseline_mg_dl",
    "hemoglobin_baseline_g_dl": "hemoglobin_baseline_g_dl",
    "ldh_uln_u_l": "ldh_uln_u_l",
}


# --- access log -------------------------------------------------------------------------------------------


def access_log(
    *,
    user: AbstractBaseUser,
    patient: Patient,
    action: str,
    case_review: CaseReview | None = None,
    client_address: str | None = None,
    detail: str = "",
) -> AccessLog:
    """One row per view, creation, change or export of a patient's records, chained onto the log."""
    return accesslog.record(
        user=user,
        patient=patient,
        action=action,
        case_review=case_review,
        client_address=client_address,
        detail=detail,
    )


def log_list(*, user: AbstractBaseUser, patients: list[Patient], detail: str) -> None:
    """A list or search: one row per patient shown, each with the query, in one INSERT; one row with the query
    alone when nothing matched (a search that found nobody was still a search)."""
    rows = [accesslog.entry(user=user, patient=p, action=AccessAction.LIST, detail=detail) for p in patients]
    accesslog.append(rows or [accesslog.entry(user=user, action=AccessAction.LIST, detail=detail)])


# --- patients ---------------------------------------------------------------------------------------------


def _assign(instance: Any, data: dict[str, Any], allowed: set[str] | None = None) -> None:
    for name, value in data.items():
        if allowed is not None and name not in allowed:
            raise ValueError(f"{type(instance).__name__} has no editable field {name!r}")
        setattr(instance, name, value)


def _save_checked(instance: Any, exclude: list[str] | None = None) -> None:
    """Model validation first (ranges, choices, constraints) so callers get field errors, not IntegrityError."""
    instance.full_clean(exclude=exclude, validate_unique=True)
    instance.save()


def _patient_fields() -> set[str]:
    return {f.name for f in Patient._meta.concrete_fields} - {
        "id", "created_at", "created_by", "updated_at", "version", "submission_key",
    }  # fmt: skip


def patient_created_with(key: uuid.UUID | None) -> Patient | None:
    """The patient a "new patient" form with this one-time key created, if it was posted before."""
    return Patient.objects.filter(submission_key=key).first() if key else None


MRN_TAKEN_MEANWHILE = "A patient with this MRN was added meanwhile: open that record instead."


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    """The record's values of a form's cleaned data, without the form's version and one-time key."""
    return {name: value for name, value in data.items() if name not in ("version", "submission_key")}


@transaction.atomic
def patient_create(*, data: dict[str, Any], by: AbstractBaseUser, submission_key: uuid.UUID | None = None) -> Patient:
    """A new patient. With the form's one-time key, posting the same form again (a double click, back and
    resubmit, two at once) returns the patient the first post created."""
    return patient_create_once(data=data, by=by, submission_key=submission_key)[0]


@transaction.atomic
def patient_create_once(
    *, data: dict[str, Any], by: AbstractBaseUser, submission_key: uuid.UUID | None = None
) -> tuple[Patient, bool]:
    """`patient_create`, saying whether the patient is new (False: the form's key made it before)."""
    existing = patient_created_with(submission_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            patient = Patient(created_by=by, submission_key=submission_key)
            patient._history_user = by  # type: ignore[attr-defined]
            _assign(patient, _typed(data), _patient_fields())
            _save_checked(patient, exclude=["created_by", "submission_key"])
            access_log(user=by, patient=patient, action=AccessAction.CREATE)
    except IntegrityError:
        # The same form, posted twice at once: the first post made the patient. Else the MRN was taken meanwhile.
        existing = patient_created_with(submission_key)
        if existing is None:
            raise ValidationError({"mrn": MRN_TAKEN_MEANWHILE}) from None
        return existing, False
    return patient, True


@transaction.atomic
def patient_update(
    *, patient: Patient, data: dict[str, Any], by: AbstractBaseUser, based_on: int | None = None
) -> Patient:
    """Save the patient record edited from version `based_on` (default: the version `patient` was read at);
    raises versions.StaleRecord when it was saved since."""
    versions.take_next_version(patient, based_on=based_on, what="patient record")
    patient._history_user = by  # type: ignore[attr-defined]
    _assign(patient, _typed(data), _patient_fields())
    _save_checked(patient, exclude=["created_by", "submission_key"])
    access_log(user=by, patient=patient, action=AccessAction.UPDATE)
    return patient


# --- lines of therapy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrugEntry:
    """One drug of a line as entered: own dates only when they differ from the line's (or its maintenance's)."""

    drug: Drug
    is_maintenance: bool = False
    start_date: date | None = None
    end_date: date | None = None
    still_ongoing: bool = False
    override: str = ""


LINE_FIELDS = {
    "regimen", "regimen_id", "regimen_label", "start_date", "end_date", "transplant_type", "transplant_date",
    "maintenance_start_date", "maintenance_end_date", "best_response", "progression_date", "stop_reason",
    "override_reason",
}  # fmt: skip


def _check_line(line: TherapyLine, drugs: list[DrugEntry]) -> None:
    """Checks that span the line and its drugs (the database checks each row on its own)."""
    errors: dict[str, list[str]] = {}
    main = [d for d in drugs if not d.is_maintenance]
    maintenance = [d for d in drugs if d.is_maintenance]
    if not main:
        errors.setdefault("__all__", []).append("Add at least one drug given on this line.")
    if maintenance and not line.maintenance_start_date:
        errors.setdefault("maintenance_start_date", []).append("Maintenance drugs need a maintenance start date.")
    if not maintenance and (line.maintenance_start_date or line.maintenance_end_date):
        errors.setdefault("maintenance_start_date", []).append("Maintenance dates need at least one maintenance drug.")
    if any(d.override for d in drugs) and not line.override_reason.strip():
        errors.setdefault("override_reason", []).append("Give the reason for overriding the refractoriness.")
    seen: set[tuple[int, bool]] = set()
    for entry in drugs:
        key = (entry.drug.pk, entry.is_maintenance)
        if key in seen:
            part = "maintenance" if entry.is_maintenance else "line"
            errors.setdefault("__all__", []).append(f"{entry.drug.name} is listed twice in the {part} drugs.")
        seen.add(key)
        part_start = line.maintenance_start_date if entry.is_maintenance else line.start_date
        if entry.start_date and part_start and entry.start_date < part_start:
            errors.setdefault("__all__", []).append(f"{entry.drug.name} starts before its part of the line.")
        own_start = entry.start_date or part_start
        if entry.end_date and own_start and entry.end_date < own_start:
            errors.setdefault("__all__", []).append(f"{entry.drug.name} ends before it starts.")
        if entry.still_ongoing and entry.end_date:
            errors.setdefault("__all__", []).append(f"{entry.drug.name}: an ongoing drug has no end date.")
    if errors:
        raise ValidationError(errors)


def _create_line_drugs(line: TherapyLine, drugs: list[DrugEntry], by: AbstractBaseUser | None = None) -> None:
    # With history rows, so that a refused stale save can say how the drugs changed meanwhile.
    rows = [
        LineDrug(
            line=line,
            drug=entry.drug,
            is_maintenance=entry.is_maintenance,
            position=position,
            start_date=entry.start_date,
            end_date=entry.end_date,
            still_ongoing=entry.still_ongoing,
            override=entry.override,
        )
        for position, entry in enumerate(drugs)
    ]
    bulk_create_with_history(rows, LineDrug, default_user=by)


def line_created_with(patient: Patient, key: uuid.UUID | None) -> TherapyLine | None:
    """The line a "new line" form with this one-time key created for the patient, if it was posted before."""
    return TherapyLine.objects.filter(patient=patient, submission_key=key).first() if key else None


LINE_ADDED_MEANWHILE = "Another line was added to this patient meanwhile: check the lines, then save again."


@transaction.atomic
def line_save(
    *,
    patient: Patient,
    data: dict[str, Any],
    drugs: list[DrugEntry],
    by: AbstractBaseUser,
    line: TherapyLine | None = None,
    based_on: int | None = None,
    submission_key: uuid.UUID | None = None,
) -> TherapyLine:
    """Create (line=None) or update a line with its drugs. A new line gets the next number; posting the same
    "new line" form again (its one-time key) returns the line the first post created. An update is of the
    version `based_on` (default: the version `line` was read at); raises versions.StaleRecord when the line was
    saved since."""
    if line is None:
        existing = line_created_with(patient, submission_key)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return _line_write(patient, None, data, drugs, by, submission_key)
        except IntegrityError:
            existing = line_created_with(patient, submission_key)
            if existing is None:
                raise ValidationError(LINE_ADDED_MEANWHILE) from None
            return existing
    versions.take_next_version(line, based_on=based_on, what=f"line {line.number}")
    return _line_write(patient, line, data, drugs, by, None)


def _line_write(
    patient: Patient,
    line: TherapyLine | None,
    data: dict[str, Any],
    drugs: list[DrugEntry],
    by: AbstractBaseUser,
    submission_key: uuid.UUID | None,
) -> TherapyLine:
    created = line is None
    if line is None:
        last = patient.lines.aggregate(last=Max("number"))["last"] or 0
        line = TherapyLine(patient=patient, number=last + 1, submission_key=submission_key)
    line._history_user = by  # type: ignore[attr-defined]
    _assign(line, _typed(data), LINE_FIELDS)
    _check_line(line, drugs)
    _save_checked(line, exclude=["submission_key"])
    line.drugs.all().delete()
    _create_line_drugs(line, drugs, by)
    access_log(user=by, patient=patient, action=AccessAction.CREATE if created else AccessAction.UPDATE)
    return line


# --- restagings ------------------------------------------------------------------------------------------


def draft_under_way(patient: Patient) -> Restaging | None:
    """The patient's restaging under way (a correction under way counts), if any: "start restaging" opens it."""
    return patient.restagings.filter(status=RestagingStatus.DRAFT).order_by("-id").first()


@transaction.atomic
def restaging_start(*, patient: Patient, by: AbstractBaseUser, on: date | None = None) -> Restaging:
    """A draft restaging dated today (or `on`), with the previous and nadir values of the last restaging; the
    draft under way when there is one. At most one new draft per patient (a database constraint): of several
    starts at once, one makes the draft and the others open it."""
    existing = draft_under_way(patient)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _restaging_new(patient=patient, by=by, on=on)
    except IntegrityError:
        existing = draft_under_way(patient)
        if existing is None:
            raise
        return existing


def _restaging_new(*, patient: Patient, by: AbstractBaseUser, on: date | None) -> Restaging:
    restaging = Restaging(patient=patient, date=on or timezone.localdate(), created_by=by)
    restaging._history_user = by  # type: ignore[attr-defined]
    previous = (
        patient.restagings.filter(status=RestagingStatus.COMPLETE)
        .exclude(superseded_by__status=RestagingStatus.COMPLETE)
        .order_by("-date", "-id")
        .first()
    )
    if previous is not None:
        for field, source in CARRIED_OVER.items():
            setattr(restaging, field, getattr(previous, source))
            if source in previous.values_as_entered:  # carried over in the unit it was entered in
                restaging.values_as_entered[field] = dict(previous.values_as_entered[source])
        restaging.age_years = None if patient.birth_date else previous.age_years
    restaging.save()
    access_log(user=by, patient=patient, action=AccessAction.CREATE)
    return restaging


def _restaging_fields() -> set[str]:
    return {f.name for f in Restaging._meta.concrete_fields} - {
        "id", "patient", "status", "created_at", "created_by", "updated_at", "completed_at", "completed_by",
        "supersedes", "correction_reason", "version",
    }  # fmt: skip


CORRECTION_NEEDS_REASON = "Give the reason for the correction."
ALREADY_CORRECTED = "This restaging was corrected already: correct its newer version."


@transaction.atomic
def restaging_correct(*, restaging: Restaging, reason: str, by: AbstractBaseUser) -> Restaging:
    """Start the correction of a completed restaging: a new draft version holding a copy of its values, which
    the clinician corrects in the wizard. The corrected restaging is kept unchanged (saved cases keep pointing
    at it) and shown as superseded once the new version is complete. A correction already under way is
    resumed."""
    reason = reason.strip()
    if restaging.status != RestagingStatus.COMPLETE:
        raise ValidationError("Only a completed restaging can be corrected; a draft is changed in its wizard.")
    existing = Restaging.objects.filter(supersedes=restaging).first()
    if existing is not None:
        if existing.is_draft:
            return existing
        raise ValidationError(ALREADY_CORRECTED)
    if not reason:
        raise ValidationError({"reason": CORRECTION_NEEDS_REASON})
    correction = Restaging(patient=restaging.patient, created_by=by, supersedes=restaging, correction_reason=reason)
    for name in _restaging_fields():
        setattr(correction, name, copy.deepcopy(getattr(restaging, name)))
    _save_checked(correction, exclude=["patient", "created_by", "completed_by", "supersedes"])
    access_log(user=by, patient=restaging.patient, action=AccessAction.CREATE)
    return correction


RESTAGING_COMPLETE = "A completed restaging cannot be changed; start a new restaging."


def _take_draft_version(
    restaging: Restaging, based_on: int | None, only_fields: list[str] | None = None, refused: str = ""
) -> None:
    if restaging.status != RestagingStatus.DRAFT or not versions.take_next_version(
        restaging,
        based_on=based_on,
        what="restaging draft",
        only_fields=only_fields,
        extra={"status": RestagingStatus.DRAFT},
    ):
        raise ValidationError(refused or RESTAGING_COMPLETE)


@transaction.atomic
def restaging_save(
    *, restaging: Restaging, data: dict[str, Any], by: AbstractBaseUser, based_on: int | None = None
) -> Restaging:
    """Store (part of) a restaging: each wizard step saves its fields, so a draft can be resumed later.

    The step was based on version `based_on` of the draft (default: the version `restaging` was read at). A
    step writes only its own fields: a save of the draft meanwhile refuses it (versions.StaleRecord) only when
    it changed one of them; otherwise this step is saved on top of it."""
    data = _typed(data)
    _take_draft_version(restaging, based_on, only_fields=list(data))
    restaging._history_user = by  # type: ignore[attr-defined]
    _assign(restaging, data, _restaging_fields())
    _save_checked(restaging, exclude=["patient", "created_by", "completed_by"])
    return restaging


@transaction.atomic
def classification_overrides_save(
    *,
    restaging: Restaging,
    overrides: dict[str, dict[str, str]],
    by: AbstractBaseUser,
    based_on: int | None = None,
) -> Restaging:
    """Record the clinician's different readings of the engine's relapse type, relapse nature, risk or frailty
    ({field: {"value": ..., "reason": ...}}; an empty dict agrees with the engine everywhere). Recorded for the
    tumour board only: the case given to the engine does not carry them, so the recommendation is unchanged."""
    _take_draft_version(restaging, based_on)
    restaging._history_user = by  # type: ignore[attr-defined]
    _set_overrides(restaging, overrides)
    _save_checked(restaging, exclude=["patient", "created_by", "completed_by"])
    return restaging


def _set_overrides(restaging: Restaging, overrides: dict[str, dict[str, str]]) -> None:
    restaging.classification_overrides = {
        field: {**item, "reason": item["reason"].strip()}
        if isinstance(item, dict) and isinstance(item.get("reason"), str)
        else item  # the model's validator refuses it with a message
        for field, item in overrides.items()
    }


@transaction.atomic
def restaging_complete(
    *,
    restaging: Restaging,
    by: AbstractBaseUser,
    classification_overrides: dict[str, dict[str, str]] | None = None,
    based_on: int | None = None,
) -> Restaging:
    """Complete a draft on the confirmed classification review, recording the clinician's different readings
    of the classification (`classification_overrides_save`) when they are given. The review confirmed was of
    version `based_on` of the draft: a save of the draft since refuses it (versions.StaleRecord)."""
    _take_draft_version(restaging, based_on, refused="This restaging is already complete.")
    restaging._history_user = by  # type: ignore[attr-defined]
    if classification_overrides is not None:
        _set_overrides(restaging, classification_overrides)
        restaging.full_clean(exclude=["patient", "created_by", "completed_by"], validate_unique=True)
    restaging.status = RestagingStatus.COMPLETE
    restaging.completed_at = timezone.now()
    restaging.completed_by = by
    restaging.save()
    access_log(user=by, patient=restaging.patient, action=AccessAction.UPDATE)
    return restaging


# --- records -> case format --------------------------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _blank_none(value: str) -> str | None:
    return value or None


def _cytogenetics(values: dict[str, Any]) -> dict[str, Any] | None:
    """The FISH object, or None when nothing was tested (an all-null object means the same to the engine)."""
    data = {name: values[name] for name in CYTOGENETIC_FIELDS}
    data["del_1p32"] = data["del_1p32"] or None
    return None if all(value is None for value in data.values()) else data


def _drug_item(entry: LineDrug) -> str | dict[str, Any]:
    if not entry.has_own_dates:
        return entry.drug.name
    item: dict[str, Any] = {"name": entry.drug.name}
    if entry.start_date:
        item["start_date"] = entry.start_date.isoformat()
    if entry.end_date or entry.still_ongoing:
        item["end_date"] = _iso(entry.end_date)  # an explicit null: still ongoing
    return item


def _line_case(line: TherapyLine) -> dict[str, Any]:
    entries = list(line.drugs.all())  # prefetched by the selectors, with drug
    main = [e for e in entries if not e.is_maintenance]
    maintenance = [e for e in entries if e.is_maintenance]
    refractory = list(dict.fromkeys(e.drug.name for e in entries if e.override == "refractory"))
    not_refractory = list(dict.fromkeys(e.drug.name for e in entries if e.override == "not_refractory"))
    return {
        "regimen": line.regimen_name or None,
        "drugs": [_drug_item(e) for e in main],
        "start_date": line.start_date.isoformat(),
        "end_date": _iso(line.end_date),
        "transplant": {"type": line.transplant_type, "date": _iso(line.transplant_date)}
        if line.transplant_type
        else None,
        "maintenance": {
            "drugs": [_drug_item(e) for e in maintenance],
            "start_date": _iso(line.maintenance_start_date),
            "end_date": _iso(line.maintenance_end_date),
        }
        if maintenance
        else None,
        "best_response": _blank_none(line.best_response),
        "progression_date": _iso(line.progression_date),
        "stop_reason": _blank_none(line.stop_reason),
        "refractory_override": {
            "refractory": refractory,
            "not_refractory": not_refractory,
            "reason": line.override_reason,
        }
        if refractory or not_refractory
        else None,
    }


def case_from_records(patient: Patient, restaging: Restaging) -> dict[str, Any]:
    """The `myeloma-cds-case/1` dict of a patient's records at one restaging (expects the selectors'
    prefetches: lines with their drugs). The only place where records become a case."""
    values = {name: getattr(restaging, name) for name in RESTAGING_SIMPLE_FIELDS}
    values["previous_assessment_date"] = _iso(restaging.previous_assessment_date)
    values["plasmacytoma"] = _blank_none(restaging.plasmacytoma)
    return {
        "format": CASE_FORMAT,
        "patient": {
            "age_years": None if patient.birth_date else restaging.age_years,
            "birth_date": _iso(patient.birth_date),
            "sex": _blank_none(patient.sex),
            "weight_kg": patient.weight_kg,
            "height_cm": patient.height_cm,
        },
        "diagnosis": {
            "date": patient.diagnosis_date.isoformat(),
            "heavy_chain": _blank_none(patient.heavy_chain),
            "light_chain": _blank_none(patient.light_chain),
            "iss_stage": patient.iss_stage,
            "ldh_above_uln": patient.ldh_above_uln,
            "cytogenetics": _cytogenetics({name: getattr(patient, f"dx_{name}") for name in CYTOGENETIC_FIELDS}),
        },
        "prior_lines": [_line_case(line) for line in patient.lines.all()],
        "restaging": {
            "date": restaging.date.isoformat(),
            **values,
            "cytogenetics": _cytogenetics(restaging.cytogenetics()),
            # heart failure "none" (0 in the record) is null in the case format, which has no value for it
            "cardiac": {
                "heart_failure_nyha": restaging.heart_failure_nyha or None,
                "uncontrolled_hypertension": restaging.uncontrolled_hypertension,
            },
            "vte": {name: getattr(restaging, name) for name in VTE_FIELDS},
        },
        "preferences": {name: getattr(restaging, name) for name in PREFERENCE_FIELDS},
    }


# --- saved cases ------------------------------------------------------------------------------------------


def case_review_create(*, patient: Patient, restaging: Restaging, by: AbstractBaseUser) -> CaseReview:
    """The saved case of this restaging: `case_review_save` without saying whether it was new."""
    return case_review_save(patient=patient, restaging=restaging, by=by)[0]


def case_review_save(*, patient: Patient, restaging: Restaging, by: AbstractBaseUser) -> tuple[CaseReview, bool]:
    """Freeze the case and its recommendation for the tumour board; returns (saved case, whether it is new).

    One saved case per restaging, catalog release and pathway (a database constraint): saving again, or two
    people saving at once, opens the case saved first. Raises CaseFormatError for a case the engine refuses.
    There is no update: a saved case never changes.
    """
    if restaging.patient_id != patient.pk:
        raise ValueError("The restaging belongs to another patient.")
    if restaging.status != RestagingStatus.COMPLETE:
        raise ValidationError("Complete the restaging before saving the case for the tumour board.")
    case = case_from_records(patient, restaging)
    result = recommend_case(case)
    key = {
        "restaging": restaging,
        "catalog_release": result["catalog_version"],
        "pathway": (result.get("pathway") or {}).get("code", ""),
    }
    existing = CaseReview.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            review = CaseReview.objects.create(
                patient=patient,
                case_json=case,
                result_json=result,
                classification_overrides=copy.deepcopy(restaging.classification_overrides),
                values_as_entered=copy.deepcopy(restaging.values_as_entered),
                engine_version=result["engine_version"],
                label_jurisdiction=result["label_jurisdiction"],
                created_by=by,
                **key,
            )
            access_log(user=by, patient=patient, action=AccessAction.CREATE, case_review=review)
    except IntegrityError:
        # Someone saved the same case a moment earlier: theirs is the saved case.
        return CaseReview.objects.get(**key), False
    return review, True


# --- case file -> records ---------------------------------------------------------------------------------

# Where each model field's problems are reported in the case file.
_RESTAGING_PATHS = {
    **{name: f"restaging.{name}" for name in RESTAGING_SIMPLE_FIELDS},
    **{name: f"restaging.cytogenetics.{name}" for name in CYTOGENETIC_FIELDS},
    **{name: f"restaging.cardiac.{name}" for name in CARDIAC_FIELDS},
    **{name: f"restaging.vte.{name}" for name in VTE_FIELDS},
    **{name: f"preferences.{name}" for name in PREFERENCE_FIELDS},
    "date": "restaging.date",
    "age_years": "patient.age_years",
}
_PATIENT_PATHS = {
    **{name: f"patient.{name}" for name in PATIENT_FIELDS},
    **{field: f"diagnosis.{key}" for key, field in DIAGNOSIS_FIELDS.items()},
    **{f"dx_{name}": f"diagnosis.cytogenetics.{name}" for name in CYTOGENETIC_FIELDS},
    "mrn": "--mrn",
    "name": "--name",
}


class CaseImportError(Exception):
    """A case file that cannot be stored; `errors` holds (field path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))


def _paths(error: ValidationError, paths: dict[str, str], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for field, messages in error.message_dict.items():
        place = paths.get(field, f"{prefix}{field}" if field != "__all__" else prefix.rstrip(".") or "case")
        found += [(place, message) for message in messages]
    return found


def _drug_entries(raw: list[Any], catalog: dict[str, Drug], maintenance: bool) -> list[DrugEntry]:
    entries = []
    for item in raw or []:
        if isinstance(item, str):
            entries.append(DrugEntry(drug=catalog[item], is_maintenance=maintenance))
            continue
        end_given = "end_date" in item
        end = item.get("end_date")
        entries.append(
            DrugEntry(
                drug=catalog[item["name"]],
                is_maintenance=maintenance,
                start_date=date.fromisoformat(item["start_date"]) if item.get("start_date") else None,
                end_date=date.fromisoformat(end) if end else None,
                still_ongoing=end_given and end is None,
            )
        )
    return entries


def _with_overrides(entries: list[DrugEntry], override: dict[str, Any] | None) -> list[DrugEntry]:
    if not override:
        return entries
    verdicts = dict.fromkeys(override.get("refractory") or [], "refractory")
    verdicts |= dict.fromkeys(override.get("not_refractory") or [], "not_refractory")
    return [
        DrugEntry(e.drug, e.is_maintenance, e.start_date, e.end_date, e.still_ongoing, verdicts.get(e.drug.name, ""))
        for e in entries
    ]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _next_import_number() -> int:
    return Patient.objects.filter(mrn__startswith="IMPORT-").count() + 1


def next_placeholder() -> tuple[str, str]:
    """The MRN and name an import without them would get now, e.g. ("IMPORT-20261201-3", "Imported case 3")."""
    number = _next_import_number()
    return f"IMPORT-{timezone.localdate():%Y%m%d}-{number}", f"Imported case {number}"


@transaction.atomic
def case_import(
    *, case: Any, by: AbstractBaseUser | None, mrn: str | None = None, name: str | None = None
) -> tuple[Patient, Restaging]:
    """Store a case file as a patient with its lines and a complete restaging.

    The engine validates the case first (every problem with its field path); the records then go through the
    same model checks as the pages. A case has no MRN or name: without `mrn`/`name` a placeholder is made
    (`IMPORT-<date>-<n>`, "Imported case <n>"). `by` is None for a command run without a user (nothing is
    then written to the access log). Raises CaseImportError.
    """
    from regimens.engine import CaseFormatError

    try:
        recommend_case(case)
    except CaseFormatError as exc:
        raise CaseImportError([(e.field, e.message) for e in exc.errors]) from None
    placeholder_mrn, placeholder_name = next_placeholder()
    mrn = (mrn or "").strip() or placeholder_mrn
    name = (name or "").strip() or placeholder_name
    if Patient.objects.filter(mrn=mrn).exists():
        raise CaseImportError([("--mrn", f"a patient with MRN {mrn} already exists")])
    patient_data, dx = case["patient"] or {}, case["diagnosis"]
    patient = Patient(mrn=mrn, name=name, created_by=by)
    patient.birth_date = _day(patient_data.get("birth_date"))
    patient.sex = patient_data.get("sex") or ""
    patient.weight_kg, patient.height_cm = patient_data.get("weight_kg"), patient_data.get("height_cm")
    patient.diagnosis_date = _day(dx["date"])
    patient.heavy_chain, patient.light_chain = dx.get("heavy_chain") or "", dx.get("light_chain") or ""
    patient.iss_stage, patient.ldh_above_uln = dx.get("iss_stage"), dx.get("ldh_above_uln")
    for field, value in (dx.get("cytogenetics") or {}).items():
        setattr(patient, f"dx_{field}", value if value is not None or field != "del_1p32" else "")
    try:
        _save_checked(patient, exclude=["created_by"])
    except ValidationError as exc:
        raise CaseImportError(_paths(exc, _PATIENT_PATHS)) from None
    if by is not None:
        access_log(user=by, patient=patient, action=AccessAction.CREATE)

    catalog = {drug.name: drug for drug in Drug.objects.all()}
    codes = set(Regimen.objects.values_list("code", flat=True))
    for i, raw in enumerate(case["prior_lines"]):
        regimen = raw.get("regimen")
        maintenance = raw.get("maintenance") or {}
        transplant = raw.get("transplant") or {}
        data = {
            "regimen_id": regimen if regimen in codes else None,
            "regimen_label": "" if regimen in codes else (regimen or ""),
            "start_date": _day(raw["start_date"]),
            "end_date": _day(raw.get("end_date")),
            "transplant_type": transplant.get("type") or "",
            "transplant_date": _day(transplant.get("date")),
            "maintenance_start_date": _day(maintenance.get("start_date")),
            "maintenance_end_date": _day(maintenance.get("end_date")),
            "best_response": raw.get("best_response") or "",
            "progression_date": _day(raw.get("progression_date")),
            "stop_reason": raw.get("stop_reason") or "",
            "override_reason": (raw.get("refractory_override") or {}).get("reason") or "",
        }
        drugs = _with_overrides(
            _drug_entries(raw["drugs"], catalog, False) + _drug_entries(maintenance.get("drugs"), catalog, True),
            raw.get("refractory_override"),
        )
        line = TherapyLine(patient=patient, number=i + 1)
        _assign(line, data)
        try:
            _check_line(line, drugs)
            _save_checked(line)
        except ValidationError as exc:
            raise CaseImportError(_paths(exc, {}, prefix=f"prior_lines[{i}].")) from None
        _create_line_drugs(line, drugs)

    rs = case["restaging"]
    restaging = Restaging(patient=patient, created_by=by, status=RestagingStatus.COMPLETE)
    restaging.date = _day(rs["date"])
    restaging.age_years = None if patient.birth_date else patient_data.get("age_years")
    for field in RESTAGING_SIMPLE_FIELDS:
        setattr(restaging, field, rs.get(field))
    restaging.previous_assessment_date = _day(rs.get("previous_assessment_date"))
    restaging.plasmacytoma = rs.get("plasmacytoma") or ""
    for field, value in (rs.get("cytogenetics") or {}).items():
        setattr(restaging, field, value if value is not None or field != "del_1p32" else "")
    for group, fields in (("cardiac", CARDIAC_FIELDS), ("vte", VTE_FIELDS)):
        for field in fields:
            setattr(restaging, field, (rs.get(group) or {}).get(field))
    for field in PREFERENCE_FIELDS:
        setattr(restaging, field, (case.get("preferences") or {}).get(field))
    restaging.completed_at, restaging.completed_by = timezone.now(), by
    try:
        _save_checked(restaging, exclude=["patient", "created_by", "completed_by"])
    except ValidationError as exc:
        raise CaseImportError(_paths(exc, _RESTAGING_PATHS)) from None
    return patient, restaging


# --- reading the engine's answer for pages -------------------------------------------------------------------


@dataclass(frozen=True)
class EngineAnswer:
    """The recommendation for a case built from the records, or the engine's field errors."""

    case: dict[str, Any]
    result: dict[str, Any] | None
    errors: list[tuple[str, str]]


def recommendation_for(patient: Patient, restaging: Restaging) -> EngineAnswer:
    from regimens.engine import CaseFormatError

    case = case_from_records(patient, restaging)
    try:
        return EngineAnswer(case, recommend_case(case), [])
    except CaseFormatError as exc:
        return EngineAnswer(case, None, [(e.field, e.message) for e in exc.errors])


@dataclass(frozen=True)
class DrugExposureRow:
    drug: str
    status: str  # refractory | exposed
    basis: list[dict[str, Any]]  # the engine's basis entries for this drug (rule, text, facts)


@dataclass(frozen=True)
class ExposureOverview:
    as_of: date
    rows: list[DrugExposureRow]
    errors: list[tuple[str, str]]

    @property
    def problems(self) -> list[str]:
        """What to add or correct, in words (the engine's field paths and messages are not for clinicians)."""
        return list(dict.fromkeys(problem_in_words(field) for field, _ in self.errors))


NEEDS_AGE = "Add the birth date or the age at restaging to see drug exposure."


def _words(path: str) -> str:
    """The last part of a case field path as its record label (lower case), else its words."""
    name = re.sub(r"\[\d+\]", "", path.rsplit(".", 1)[-1])
    model = Patient if path.startswith(("patient.", "diagnosis.")) else Restaging
    if path.startswith("diagnosis.cytogenetics."):
        name = f"dx_{name}"
    elif path.startswith("diagnosis."):
        name = DIAGNOSIS_FIELDS.get(name, name)
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except Exception:  # not a record field: its words
        return name.replace("_", " ")
    return label if label[:1].islower() or label[:2].isupper() else label[0].lower() + label[1:]


def problem_in_words(field: str) -> str:
    """One of the engine's field errors as what the clinician should do (the message itself stays out)."""
    if field in ("patient.age_years", "patient.birth_date"):
        return NEEDS_AGE
    line = re.match(r"prior_lines\[(\d+)\]", field)
    if line:
        detail = field[line.end() :].lstrip(".")
        where = f" (its {_words(detail)})" if detail else ""
        return f"Check line {int(line.group(1)) + 1}{where} on its edit page."
    if field == "prior_lines":
        return "Add the lines of therapy given so far."
    if field.startswith(("patient.", "diagnosis")):
        return f"Check the {_words(field)} on the patient record."
    if field.startswith(("restaging.", "preferences.")):
        return f"Check the {_words(field)} in its step."
    return f"Check the {_words(field)}."


def exposure_overview(patient: Patient, *, as_of: date | None = None) -> ExposureOverview:
    """Each drug's exposure and refractoriness with the engine's rule and reason, for the lines as recorded,
    as of `as_of` (today by default). Taken from the engine's classification of the case built from the
    records; needs no restaging (an empty one dated `as_of` stands in)."""
    as_of = as_of or timezone.localdate()
    stand_in = Restaging(patient=patient, date=as_of)
    if not patient.birth_date:  # the age recorded at the latest restaging stands in
        current = [r for r in patient.restagings.all() if not r.is_superseded]
        latest = max(current, key=lambda r: (r.date, r.pk), default=None)
        stand_in.age_years = latest.age_years if latest else None
    if not patient.lines.all():
        return ExposureOverview(as_of, [], [])
    answer = recommendation_for(patient, stand_in)
    if answer.result is None:
        return ExposureOverview(as_of, [], answer.errors)
    classification = answer.result["classification"]
    refractory = set(classification["refractory_drugs"])
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in classification["exposed_drugs"]}
    for entry in classification["basis"]:
        drug = entry.get("facts", {}).get("drug")
        if entry["rule"].startswith("refractory.") and drug in rows:
            rows[drug].append(entry)
    return ExposureOverview(
        as_of,
        [
            DrugExposureRow(name, "refractory" if name in refractory else "exposed", basis)
            for name, basis in rows.items()
        ],
        [],
    )
