"""Patient pages: list, record, lines of therapy, recommendation, saved cases and case import.

Each view checks permission, binds, calls one service or selector, and renders or redirects.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from careteams import access
from careteams import services as care_teams
from careteams.forms import TeamChoiceForm
from patients import charts, forms, readlog, selectors, services, versions
from patients.models import AccessAction, CaseReview, Patient, Restaging, RestagingStatus, TherapyLine

PAGE_SIZE = 25


def _posted(request: HttpRequest):
    """The POST data to bind, even when empty (an empty form must show its errors); None for GET."""
    return request.POST if request.method == "POST" else None


def _patient_or_404(request: HttpRequest, pk: int, select=selectors.patient_with_lines) -> Patient:
    """The patient, when the user may see it (careteams.access): 404 otherwise, as for an id that does not exist."""
    try:
        return select(pk, user=request.user)
    except Patient.DoesNotExist:
        raise Http404("No such patient.") from None


@require_safe
@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # PostgreSQL's text refuses NUL
    sort = request.GET.get("sort", "name")
    sort = sort if sort in selectors.PATIENT_SORTS else "name"
    patients = selectors.patient_list(query=query, sort=sort, user=request.user)  # those of the user's care teams
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    services.log_list(user=request.user, patients=list(page), detail=readlog.list_detail(request, "patient list"))
    columns = [("name", "Name"), ("mrn", "MRN"), ("diagnosis", "Diagnosis"), ("lines", "Lines"),
               ("restaging", "Last restaging")]  # fmt: skip
    return render(
        request, "patients/patient_list.html", {"page": page, "query": query, "sort": sort, "columns": columns}
    )


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # the same form posted again (double click, back and resubmit): its patient
        earlier = services.patient_created_with(versions.posted_key(request.POST))
        if earlier is not None:
            messages.info(request, f"{earlier.name} was added already by this form: nothing was added twice.")
            return redirect(earlier)
    form = forms.PatientForm(_posted(request))
    # The new patient joins the user's clinical team (asked when they are in several).
    team_form = TeamChoiceForm(_posted(request), teams=access.clinical_teams_of(request.user))
    if request.method == "POST" and all([form.is_valid(), team_form.is_valid()]):
        try:
            with transaction.atomic():
                patient, created = services.patient_create_once(
                    data=form.record_data(), by=request.user, submission_key=form.submission_key
                )
                if created:
                    care_teams.patient_join(patient=patient, team=team_form.chosen())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{patient.name} was added. Record the lines of therapy next.")
            return redirect(patient)
    return render(request, "patients/patient_form.html", {"form": form, "team_form": team_form})


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_or_404(request, pk, selectors.patient)
    # The form validates a copy: the page's heading and breadcrumb keep the record as saved, not as typed.
    form = forms.PatientForm(_posted(request), instance=copy.copy(patient))
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(patient=patient, data=form.record_data(), by=request.user, based_on=form.based_on)
        except versions.StaleRecord as exc:  # saved by someone else meanwhile: what was typed stays on the page
            stale = exc.notice
            versions.carry_current(form, stale.current)
        else:
            messages.success(request, "The patient record was saved.")
            return redirect(patient)
    context = {"form": form, "patient": patient, "stale": stale}
    return render(request, "patients/patient_form.html", context, status=_status(form, stale))


def _status(form, stale: versions.StaleNotice | None) -> int:
    """409 for a save refused as stale, 400 for an edit posted without its version, else 200."""
    return 409 if stale else 400 if versions.missing_version(form) else 200


@require_safe
@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_or_404(request, pk, selectors.patient_detail)
    services.access_log(user=request.user, patient=patient, action=AccessAction.VIEW)
    lines, restagings, today = list(patient.lines.all()), list(patient.restagings.all()), timezone.localdate()
    current = [r for r in restagings if r.status == RestagingStatus.COMPLETE and not r.is_superseded]
    context = {
        "patient": patient,
        "lines": lines,
        "restagings": restagings[::-1],
        "drafts": [r for r in restagings if r.status == RestagingStatus.DRAFT],
        "timeline": charts.timeline(patient, lines, today),
        "timeline_compact": charts.timeline(patient, lines, today, compact=True),
        "trends": charts.marker_trends(current),
        "exposure": services.exposure_overview(patient, as_of=today),
        "reviews": patient.case_reviews.all(),
    }
    return render(request, "patients/patient_detail.html", context)


def _line_forms(request: HttpRequest, patient: Patient, line: TherapyLine | None):
    """The line form and its two drug tables: bound to the POST, or (no-JS "fill from regimen") re-rendered
    with what was typed and the chosen regimen's drugs."""
    drugs = selectors.catalog_drugs()
    regimen_choices, regimen_drugs = selectors.regimen_picker()
    existing = list(line.drugs.all()) if line else []
    bound = request.method == "POST" and "fill_from_regimen" not in request.POST
    data = request.POST if bound else None
    initial = request.POST.dict() if request.method == "POST" and not bound else None
    form = forms.LineForm(data, instance=line, initial=initial, patient=patient,
                          regimens=selectors.catalog_regimens(), regimen_choices=regimen_choices)  # fmt: skip
    tables = [
        forms.LineDrugFormSet(
            data, prefix=prefix, drugs=drugs, initial=_drug_rows(request, existing, drugs, prefix == "maintenance")
        )
        for prefix in ("drugs", "maintenance")
    ]
    extra = {"regimen_drugs": regimen_drugs, "drug_choices": list(drugs.values_list("pk", "name"))}
    return bound, form, *tables, extra


def _line_page(request: HttpRequest, patient: Patient, line: TherapyLine | None) -> HttpResponse:
    if line is None and request.method == "POST":  # the same "new line" form posted again: its line
        earlier = services.line_created_with(patient, versions.posted_key(request.POST))
        if earlier is not None:
            messages.info(request, f"{earlier} was added already by this form: nothing was added twice.")
            return redirect(patient)
    bound, form, main, maintenance, extra = _line_forms(request, patient, line)
    stale = None
    if bound and form.is_valid() and main.is_valid() and maintenance.is_valid():
        entries = [services.DrugEntry(is_maintenance=False, **row) for row in main.entries()]
        entries += [services.DrugEntry(is_maintenance=True, **row) for row in maintenance.entries()]
        try:
            saved = services.line_save(
                patient=patient,
                line=line,
                data=form.record_data(),
                drugs=entries,
                by=request.user,
                based_on=form.based_on if line is not None else None,
                submission_key=form.submission_key if line is None else None,
            )
        except versions.StaleRecord as exc:  # saved by someone else meanwhile: what was typed stays on the page
            stale = exc.notice
            versions.carry_current(form, stale.current)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{saved} was saved.")
            return redirect(patient)
    context = {"patient": patient, "line": line, "form": form, "main": main, "maintenance": maintenance, **extra,
               "exposure": services.exposure_overview(patient), "stale": stale}  # fmt: skip
    return render(request, "patients/line_form.html", context, status=_status(form, stale))


def _drug_rows(request: HttpRequest, existing: list, drugs, maintenance: bool) -> list[dict]:
    """Rows of a drug table: the line's drugs, or (no-JS "fill from regimen") the chosen regimen's drugs,
    plus empty rows to fill in."""
    rows = forms.line_drug_initial(existing, maintenance)
    if request.method == "POST" and "fill_from_regimen" in request.POST:
        rows = forms.rows_from_post(request.POST, "maintenance" if maintenance else "drugs", drugs)
        code = request.POST.get("regimen")
        if code and not maintenance:
            rows = [{"drug": c.drug} for c in selectors.regimen_components(code)]
    return rows + [{}] * (2 if maintenance else max(2, 6 - len(rows)))


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_therapyline", raise_exception=True)
def line_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _line_page(request, _patient_or_404(request, pk), None)


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_therapyline", raise_exception=True)
def line_edit(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    patient = _patient_or_404(request, pk)
    try:
        line = selectors.line_of_patient(patient, line_pk)
    except TherapyLine.DoesNotExist:
        raise Http404("No such line for this patient.") from None
    return _line_page(request, patient, line)


@require_POST
@permission_required("patients.add_restaging", raise_exception=True)
def restaging_start(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_or_404(request, pk, selectors.patient)
    draft = services.restaging_start(patient=patient, by=request.user)  # the draft under way, when there is one
    return redirect("patients:restaging_wizard", patient.pk, draft.pk)


def _restaging_or_404(request: HttpRequest, pk: int, restaging_pk: int) -> Restaging:
    try:
        return selectors.restaging_with_patient(pk, restaging_pk, user=request.user)
    except (Restaging.DoesNotExist, Patient.DoesNotExist):
        raise Http404("No such restaging for this patient.") from None


@require_safe
@permission_required("patients.view_restaging", raise_exception=True)
def restaging_detail(request: HttpRequest, pk: int, restaging_pk: int) -> HttpResponse:
    """The recommendation page: the engine's answer for the case built from the records, computed now."""
    restaging = _restaging_or_404(request, pk, restaging_pk)
    if restaging.is_draft:
        return redirect("patients:restaging_wizard", pk, restaging_pk)
    answer = services.recommendation_for(restaging.patient, restaging)
    services.access_log(user=request.user, patient=restaging.patient, action=AccessAction.VIEW)
    if restaging.is_superseded:
        correction = restaging.correction
        messages.warning(
            request,
            f"This restaging was corrected on {correction.completed_at:%Y-%m-%d %H:%M} by "
            f"{_name(correction.completed_by)} (“{correction.correction_reason}”): the newer version is the "
            "current one. This one is kept as it was, with the cases saved from it.",
        )
    context = {
        "patient": restaging.patient,
        "restaging": restaging,
        "answer": answer,
        "result": answer.result,
        "overrides": restaging.classification_overrides,
    }
    return render(request, "patients/recommendation.html", context)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else "an unknown user"


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_restaging", raise_exception=True)
def restaging_correct(request: HttpRequest, pk: int, restaging_pk: int) -> HttpResponse:
    """The "Correct this restaging" action: a new version, started as a draft copy of it, once a reason is given."""
    restaging = _restaging_or_404(request, pk, restaging_pk)
    under_way = restaging.correction
    if under_way is not None and under_way.is_draft:
        return redirect("patients:restaging_wizard", pk, under_way.pk)
    form = forms.CorrectionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.restaging_correct(
                restaging=restaging, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Correct the values in each step; the restaging you correct is kept.")
            return redirect("patients:restaging_wizard", pk, correction.pk)
    context = {"patient": restaging.patient, "restaging": restaging, "form": form}
    return render(request, "patients/restaging_correct.html", context)


@require_safe
@permission_required("patients.view_restaging", raise_exception=True)
def restaging_case_json(request: HttpRequest, pk: int, restaging_pk: int) -> JsonResponse:
    """The case file (`myeloma-cds-case/1`) of a restaging, to hand to `manage.py recommend` or the API."""
    restaging = _restaging_or_404(request, pk, restaging_pk)
    services.access_log(user=request.user, patient=restaging.patient, action=AccessAction.EXPORT)
    response = JsonResponse(services.case_from_records(restaging.patient, restaging), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="case-{restaging.patient.mrn}-{restaging.date}.json"'
    return response


@require_POST
@permission_required("patients.add_casereview", raise_exception=True)
def case_review_create(request: HttpRequest, pk: int, restaging_pk: int) -> HttpResponse:
    from regimens.engine import CaseFormatError

    restaging = _restaging_or_404(request, pk, restaging_pk)
    try:
        review, created = services.case_review_save(patient=restaging.patient, restaging=restaging, by=request.user)
    except (CaseFormatError, ValidationError) as exc:
        messages.error(request, f"The case could not be saved: {exc}")
        return redirect("patients:restaging", pk, restaging_pk)
    if created:
        messages.success(request, "The case was saved for the tumour board, exactly as shown.")
    elif review.case_json != services.case_from_records(restaging.patient, restaging):
        messages.warning(
            request,
            f"This restaging was already saved on {review.created_at:%Y-%m-%d} with the same catalog release and "
            "pathway; that saved case is shown. The lines of therapy have changed since: to take today's records "
            "to the board, correct the restaging and save the corrected one.",
        )
    else:
        messages.info(
            request,
            f"This case was already saved on {review.created_at:%Y-%m-%d} with the same catalog release and "
            "pathway; that saved case is shown (nothing was saved twice).",
        )
    return redirect(review)


@require_safe
@permission_required("patients.view_casereview", raise_exception=True)
def case_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved case, rendered from its frozen result (never recomputed)."""
    try:
        review = selectors.case_review_detail(pk, user=request.user)
    except CaseReview.DoesNotExist:
        raise Http404("No such saved case.") from None
    services.access_log(user=request.user, patient=review.patient, action=AccessAction.VIEW, case_review=review)
    context = {
        "review": review,
        "patient": review.patient,
        "restaging": review.restaging,  # the version it froze (a later correction never replaces it)
        "result": review.result_json,
        "overrides": review.classification_overrides,  # frozen with the case
    }
    return render(request, "patients/case_review.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_patient", raise_exception=True)
def case_import(request: HttpRequest) -> HttpResponse:
    form = forms.CaseImportForm(
        _posted(request), request.FILES if request.method == "POST" else None, placeholder=services.next_placeholder()
    )
    # The imported patient joins the user's clinical team (asked when they are in several).
    team_form = TeamChoiceForm(_posted(request), teams=access.clinical_teams_of(request.user))
    if request.method == "POST" and all([form.is_valid(), team_form.is_valid()]):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                patient, _ = services.case_import(
                    case=data["case"], by=request.user, mrn=data["mrn"], name=data["name"]
                )
                care_teams.patient_join(patient=patient, team=team_form.chosen())
        except services.CaseImportError as exc:
            for field, message in exc.errors:
                form.add_error(None, f"{field}: {message}")
        else:
            messages.success(request, f"The case was imported as {patient.name} ({patient.mrn}).")
            return redirect(patient)
    return render(request, "patients/case_import.html", {"form": form, "team_form": team_form})
