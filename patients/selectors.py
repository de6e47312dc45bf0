"""Reads of the patient records for pages, commands and services, each in a constant number of queries.

The reads a page makes take the signed-in `user` and find only the patients that user may see
(careteams.access, in the same query); `user=None` is for commands and services, never for a page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from careteams.access import visible
from patients.models import CaseReview, LineDrug, Patient, Restaging, RestagingStatus, TherapyLine
from regimens.models import Drug, Regimen, RegimenComponent, RegimenKind

# Sort keys the patient list accepts: URL value -> ordering.
PATIENT_SORTS = {
    "name": ("name", "mrn"),
    "-name": ("-name", "-mrn"),
    "mrn": ("mrn",),
    "-mrn": ("-mrn",),
    "diagnosis": ("diagnosis_date", "name"),
    "-diagnosis": ("-diagnosis_date", "name"),
    "lines": ("line_count", "name"),
    "-lines": ("-line_count", "name"),
    "restaging": ("last_restaging", "name"),
    "-restaging": ("-last_restaging", "name"),
}


def _lines_with_drugs() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=TherapyLine.objects.order_by("number").prefetch_related(
            Prefetch("drugs", queryset=LineDrug.objects.select_related("drug__drug_class"))
        ),
    )


def _current_restagings() -> QuerySet[Restaging]:
    """The patient's (OuterRef) restagings that no completed correction replaced."""
    return Restaging.objects.filter(patient=OuterRef("pk")).exclude(superseded_by__status=RestagingStatus.COMPLETE)


def _patients(user: Any) -> QuerySet[Patient]:
    """The patients `user` may see; every patient for None (a command or a service)."""
    return Patient.objects.all() if user is None else Patient.objects.filter(visible(user))


def patient_list(*, query: str = "", sort: str = "name", user: Any = None) -> QuerySet[Patient]:
    """Patients matching a name or MRN search, with their line count and last restaging date."""
    patients = _patients(user)
    patients = patients.annotate(
        line_count=Coalesce(
            Subquery(
                TherapyLine.objects.filter(patient=OuterRef("pk"))
                .order_by()
                .values("patient")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        last_restaging=Subquery(_current_restagings().order_by("-date", "-id").values("date")[:1]),
        last_restaging_status=Subquery(_current_restagings().order_by("-date", "-id").values("status")[:1]),
    ).only("pk", "mrn", "name", "birth_date", "sex", "diagnosis_date", "heavy_chain", "light_chain")
    if query:
        patients = patients.filter(Q(name__icontains=query) | Q(mrn__icontains=query))
    return patients.order_by(*PATIENT_SORTS.get(sort, PATIENT_SORTS["name"]))


def patient(pk: int, user: Any = None) -> Patient:
    """The patient alone (raises Patient.DoesNotExist, also for one `user` may not see)."""
    return _patients(user).get(pk=pk)


def patient_detail(pk: int, user: Any = None) -> Patient:
    """A patient with lines (and their drugs), restagings and saved cases, for the patient page."""
    patients = _patients(user)
    return patients.prefetch_related(
        _lines_with_drugs(),
        Prefetch(
            "restagings",
            queryset=Restaging.objects.select_related(
                "completed_by", "supersedes", "superseded_by", "superseded_by__completed_by"
            ).order_by("date", "id"),
        ),
        Prefetch(
            "case_reviews", queryset=CaseReview.objects.select_related("created_by").defer("case_json", "result_json")
        ),
    ).get(pk=pk)


def patient_with_lines(pk: int, user: Any = None) -> Patient:
    """A patient with the lines and drugs `services.case_from_records` reads."""
    return _patients(user).prefetch_related(_lines_with_drugs()).get(pk=pk)


def restaging_with_patient(patient_pk: int, restaging_pk: int, user: Any = None) -> Restaging:
    """A restaging and its patient (with lines and drugs), ready for `case_from_records`, with the versions
    it corrects and that correct it."""
    return (
        Restaging.objects.select_related(
            "patient", "supersedes", "superseded_by", "superseded_by__completed_by", "created_by"
        )
        .prefetch_related(
            Prefetch(
                "patient__lines",
                queryset=TherapyLine.objects.order_by("number").prefetch_related(
                    Prefetch("drugs", queryset=LineDrug.objects.select_related("drug__drug_class"))
                ),
            )
        )
        .filter(Q() if user is None else visible(user, "patient"))
        .get(pk=restaging_pk, patient_id=patient_pk)
    )


def previous_restaging(restaging: Restaging) -> Restaging | None:
    return (
        Restaging.objects.filter(
            patient_id=restaging.patient_id, status=RestagingStatus.COMPLETE, date__lte=restaging.date
        )
        .exclude(pk=restaging.pk)
        .exclude(superseded_by__status=RestagingStatus.COMPLETE)
        .order_by("-date", "-id")
        .first()
    )


def line_of_patient(patient: Patient, line_pk: int) -> TherapyLine:
    """One of the (prefetched) lines of a patient from `patient_with_lines`."""
    for line in patient.lines.all():
        if line.pk == line_pk:
            return line
    raise TherapyLine.DoesNotExist


def case_review_detail(pk: int, user: Any = None) -> CaseReview:
    cases = CaseReview.objects.select_related("patient", "restaging", "created_by")
    return cases.filter(Q() if user is None else visible(user, "patient")).get(pk=pk)


def catalog_drugs() -> QuerySet[Drug]:
    return Drug.objects.select_related("drug_class").order_by("name")


def catalog_regimens() -> QuerySet[Regimen]:
    return Regimen.objects.filter(active=True).order_by("code")


def regimen_picker() -> tuple[list[tuple[str, list[tuple[str, str]]]], dict[str, list[int]]]:
    """For the line form, in one query: the active regimens as grouped (code, label) choices (first-line regimens,
    then those used at relapse; procedures such as a transplant are recorded in their own fields), and each
    one's drug ids."""
    groups: dict[str, list[tuple[str, str]]] = {RegimenKind.FIRST_LINE: [], RegimenKind.REGIMEN: []}
    drugs: dict[str, list[int]] = {}
    rows = (
        Regimen.objects.filter(active=True, kind__in=list(groups))
        .order_by("code", "components__position", "components__id")
        .values_list("code", "name", "kind", "components__drug_id")
    )
    for code, name, kind, drug_id in rows:
        if code not in drugs:
            suffix = ", first-line" if kind == RegimenKind.FIRST_LINE else ""
            groups[kind].append((code, f"{code} ({name}{suffix})"))
            drugs[code] = []
        if drug_id is not None:
            drugs[code].append(drug_id)
    choices = [
        ("First-line regimens", groups[RegimenKind.FIRST_LINE]),
        ("Regimens used at relapse (some are also given first line)", groups[RegimenKind.REGIMEN]),
    ]
    return [(label, items) for label, items in choices if items], drugs


def regimen_components(code: str) -> QuerySet[RegimenComponent]:
    return RegimenComponent.objects.filter(regimen__code=code).select_related("drug").order_by("position", "id")
