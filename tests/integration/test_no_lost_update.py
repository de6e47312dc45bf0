"""No lost update (issue 12, item 1): a save based on an older version of a patient, a line, a draft restaging or
a board decision is refused with who saved what meanwhile, keeping what the user typed; a create posted twice
lands on the record the first post made; the database allows one new draft per patient and one saved case per
restaging, catalog release and pathway."""

import datetime as dt
import html
import re
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from board import services as board_services
from board.models import BoardDecision
from patients import services, versions
from patients.forms import TriStateField
from patients.models import CaseReview, Patient, Restaging, RestagingStatus
from regimens.models import Drug
from tests.factories import UserFactory
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: SQLite lets one connection write at a time"
)


# --- helpers ------------------------------------------------------------------------------------------------------


def posted(form) -> dict[str, str]:
    """What the browser posts for a rendered form: every field's value as the page holds it."""
    data = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        if isinstance(field, TriStateField):
            value = {True: "true", False: "false"}.get(value, "unknown")
        elif isinstance(value, (list, tuple)):
            data[form.add_prefix(name)] = [str(item) for item in value]
            continue
        elif value is None or value is False:
            value = ""
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[form.add_prefix(name)] = str(value)
    return data


def posted_formset(formset) -> dict[str, str]:
    data = posted(formset.management_form)
    for form in formset.forms:
        data.update(posted(form))
    return data


def drug(name: str) -> int:
    return Drug.objects.get(name=name).pk


def page_text(response) -> str:
    words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))
    return words.replace(" :", ":")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Ames", roles=["clinician"])


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Brown", roles=["clinician"])


@pytest.fixture
def patient(default_catalog):
    person = PatientFactory(name="Ada Lovelace", mrn="MRN-ADA", weight_kg=70, height_cm=165)
    TherapyLineFactory(
        patient=person,
        start_date=dt.date(2018, 3, 15),
        end_date=dt.date(2018, 9, 1),
        best_response="VGPR",
        progression_date=dt.date(2024, 5, 20),
    )
    return person


# --- two people editing the same patient ----------------------------------------------------------------------


def test_the_second_of_two_patient_edits_is_refused_with_the_change_and_keeps_what_was_typed(alice, bob, patient):
    url = reverse("patients:edit", args=[patient.pk])
    first, second = logged_in(alice), logged_in(bob)
    alice_form = posted(first.get(url).context["form"])
    bob_form = posted(second.get(url).context["form"])
    assert alice_form["version"] == bob_form["version"] == "1"

    assert first.post(url, {**alice_form, "weight_kg": "72"}).status_code == 302
    response = second.post(url, {**bob_form, "name": "Ada King-Lovelace", "height_cm": "166"})

    assert response.status_code == 409
    words = page_text(response)
    assert "Your changes were not saved: Alice Ames saved this patient record meanwhile on " in words
    assert "you started from version 1; it is now version 2" in words
    assert "Weight (kg): 70 → 72" in words  # the other user's change
    assert "Height (cm)" not in words.split("What you typed")[0]  # only what changed meanwhile is listed
    form = response.context["form"]
    assert form["name"].value() == "Ada King-Lovelace" and form["height_cm"].value() == "166"  # typed, kept
    assert 'value="Ada King-Lovelace"' in response.content.decode()
    assert form["version"].value() == "2"  # now based on the current version
    assert response.context["patient"].name == "Ada Lovelace"  # the heading names the record as saved
    patient.refresh_from_db()
    assert (patient.name, patient.weight_kg, patient.height_cm, patient.version) == ("Ada Lovelace", 72, 165, 2)

    # Saving again is deliberate: the form now carries the current version.
    assert second.post(url, posted(form)).status_code == 302
    patient.refresh_from_db()
    assert (patient.name, patient.weight_kg, patient.height_cm, patient.version) == ("Ada King-Lovelace", 70, 166, 3)
    assert patient.history.first().history_user == bob


def test_an_edit_posted_without_its_version_is_refused_with_reload(clinician_client, patient):
    url = reverse("patients:edit", args=[patient.pk])
    data = posted(clinician_client.get(url).context["form"])
    del data["version"]
    response = clinician_client.post(url, {**data, "name": "Ada King"})
    assert response.status_code == 400
    assert versions.MISSING_VERSION in page_text(response)
    patient.refresh_from_db()
    assert patient.name == "Ada Lovelace" and patient.version == 1


def test_the_service_takes_each_version_once(clinician, patient):
    services.patient_update(patient=patient, data={"name": "Ada King"}, by=clinician, based_on=1)
    stale = Patient.objects.get(pk=patient.pk)
    stale.version = 1  # as read before the first save
    with pytest.raises(versions.StaleRecord) as refused:
        services.patient_update(patient=stale, data={"name": "Ada Byron"}, by=clinician)
    assert refused.value.notice.changes == [versions.Change("Full name", "Ada Lovelace", "Ada King")]
    assert Patient.objects.get(pk=patient.pk).name == "Ada King"


# --- two people editing the same line ---------------------------------------------------------------------------


def line_page_data(response) -> dict[str, str]:
    context = response.context
    return {**posted(context["form"]), **posted_formset(context["main"]), **posted_formset(context["maintenance"])}


def test_the_second_of_two_line_edits_is_refused_with_the_change_and_keeps_what_was_typed(alice, bob, patient):
    line = patient.lines.get()
    url = reverse("patients:line_edit", args=[patient.pk, line.pk])
    first, second = logged_in(alice), logged_in(bob)
    alice_data, bob_data = line_page_data(first.get(url)), line_page_data(second.get(url))

    assert first.post(url, {**alice_data, "best_response": "CR"}).status_code == 302
    response = second.post(url, {**bob_data, "end_date": "2018-10-01", "stop_reason": "toxicity"})

    assert response.status_code == 409
    words = page_text(response)
    assert "Your changes were not saved: Alice Ames saved this line 1 meanwhile" in words
    assert "Best response: VGPR (very good partial response) → CR (complete response)" in words
    form = response.context["form"]
    assert form["end_date"].value() == "2018-10-01" and form["stop_reason"].value() == "toxicity"
    assert form["version"].value() == "2"
    line.refresh_from_db()
    assert (line.best_response, line.end_date, line.version) == ("CR", dt.date(2018, 9, 1), 2)

    assert second.post(url, line_page_data(response)).status_code == 302
    line.refresh_from_db()
    assert (line.best_response, line.end_date, line.version) == ("VGPR", dt.date(2018, 10, 1), 3)


# --- the restaging wizard ------------------------------------------------------------------------------------------


def step_data(response, draft, step) -> dict[str, str]:
    return {**posted(response.context["form"]), f"restaging_wizard_{draft.pk}-current_step": step}


def test_a_wizard_step_based_on_an_older_draft_is_refused_when_its_fields_changed(alice, bob, patient):
    draft = services.restaging_start(patient=patient, by=alice)
    markers = reverse("patients:restaging_step", args=[patient.pk, draft.pk, "markers"])
    first, second = logged_in(alice), logged_in(bob)
    alice_data = step_data(first.get(markers), draft, "markers")
    bob_data = step_data(second.get(markers), draft, "markers")
    assert alice_data["markers-version"] == "1"

    response = first.post(markers, {**alice_data, "markers-serum_m_protein_g_dl": "2.0"})
    assert response.status_code == 302
    response = second.post(markers, {**bob_data, "markers-serum_m_protein_g_dl": "2.5", "markers-calcium_mg_dl": "9"})

    assert response.status_code == 409
    words = page_text(response)
    assert "Your changes were not saved: Alice Ames saved this restaging draft meanwhile" in words
    assert "Serum M-protein (g/dL): not recorded → 2" in words
    form = response.context["form"]
    assert form["serum_m_protein_g_dl"].value() == "2.5" and form["calcium_mg_dl"].value() == "9"
    assert form["version"].value() == "2"
    draft.refresh_from_db()
    assert (draft.serum_m_protein_g_dl, draft.calcium_mg_dl, draft.version) == (2.0, None, 2)

    # Saving the step again (now based on version 2) is deliberate.
    assert second.post(markers, step_data(response, draft, "markers")).status_code == 302
    draft.refresh_from_db()
    assert (draft.serum_m_protein_g_dl, draft.calcium_mg_dl, draft.version) == (2.5, 9.0, 3)


def test_a_wizard_step_whose_fields_nobody_changed_is_saved_on_top(alice, bob, patient):
    """A step writes only its own fields: another step saved meanwhile is kept, not refused and not overwritten."""
    draft = services.restaging_start(patient=patient, by=alice)
    markers = reverse("patients:restaging_step", args=[patient.pk, draft.pk, "markers"])
    fitness = reverse("patients:restaging_step", args=[patient.pk, draft.pk, "fitness"])
    first, second = logged_in(alice), logged_in(bob)
    alice_data = step_data(first.get(markers), draft, "markers")
    bob_data = step_data(second.get(fitness), draft, "fitness")
    assert first.post(markers, {**alice_data, "markers-serum_m_protein_g_dl": "2.0"}).status_code == 302
    assert second.post(fitness, {**bob_data, "fitness-ecog": "1"}).status_code == 302
    draft.refresh_from_db()
    assert (draft.serum_m_protein_g_dl, draft.ecog, draft.version) == (2.0, 1, 3)


# --- board decisions ---------------------------------------------------------------------------------------------


@pytest.fixture
def scheduled_case(patient, clinician, board_member):
    restaging = RestagingFactory(patient=patient)
    case = services.case_review_save(patient=patient, restaging=restaging, by=clinician)[0]
    meeting = board_services.meeting_create(
        data={"title": "Myeloma tumour board", "starts_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
              "attendees": [board_member]},
        by=clinician,
    )  # fmt: skip
    board_services.agenda_add(meeting=meeting, case=case, by=clinician)
    return case


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", first_name="Carol", last_name="Chen", roles=["board member"])


def test_a_decision_recorded_meanwhile_refuses_the_second_with_what_was_decided(board_member, carol, scheduled_case):
    url = reverse("board:decision", args=[scheduled_case.pk])
    first, second = logged_in(board_member), logged_in(carol)
    first_form, second_form = posted(first.get(url).context["form"]), posted(second.get(url).context["form"])
    assert second_form["based_on"] == "none"

    assert first.post(url, {**first_form, "kind": "observation", "rationale": "Wait for the PET."}).status_code == 302
    typed = {**second_form, "kind": "palliative_care", "off_reason": "patient_preference",
             "off_reason_text": "She declines further treatment.", "rationale": "Comfort first."}  # fmt: skip
    response = second.post(url, typed)

    assert response.status_code == 409
    words = page_text(response)
    decided = BoardDecision.objects.get(case_review=scheduled_case)
    assert f"{versions.person(board_member)} recorded the board's decision on this case meanwhile" in words
    assert "Decision: Observation" in words and "Rationale: Wait for the PET." in words
    form = response.context["form"]
    assert form["rationale"].value() == "Comfort first." and form["kind"].value() == "palliative_care"
    assert form["based_on"].value() == str(decided.pk)
    assert f'action="{reverse("board:decision_amend", args=[scheduled_case.pk])}"' in response.content.decode()
    assert BoardDecision.objects.filter(case_review=scheduled_case).count() == 1

    # Going on: the same typed decision, with a reason, is recorded as an amendment of the one in force.
    again = {**posted(form), "amendment_reason": "Carol's decision replaces the observation."}
    assert second.post(reverse("board:decision_amend", args=[scheduled_case.pk]), again).status_code == 302
    amendment = BoardDecision.objects.get(amends=decided)
    assert (amendment.kind, amendment.rationale, amendment.decided_by) == ("palliative_care", "Comfort first.", carol)


def test_an_amendment_based_on_an_amended_decision_is_refused(board_member, carol, scheduled_case):
    board_services.decision_record(
        case=scheduled_case, data=board_services.DecisionInput(kind="observation"), by=board_member
    )
    url = reverse("board:decision_amend", args=[scheduled_case.pk])
    first, second = logged_in(board_member), logged_in(carol)
    first_form, second_form = posted(first.get(url).context["form"]), posted(second.get(url).context["form"])
    second_option = scheduled_case.result_json["options"][1]["regimen"]
    amended = {**first_form, "kind": "regimen", "regimen_code": second_option, "amendment_reason": "Fewer visits."}
    assert first.post(url, amended).status_code == 302
    response = second.post(url, {**second_form, "kind": "palliative_care", "off_reason": "other",
                                 "off_reason_text": "Frail.", "amendment_reason": "Frailty."})  # fmt: skip
    assert response.status_code == 409
    words = page_text(response)
    amendment = BoardDecision.objects.get(amends__isnull=False)
    assert f"{versions.person(board_member)} recorded an amendment of the board's decision on this case" in words
    assert f"Decision: {amendment.choice_in_words()}" in words and "Reason for the amendment: Fewer visits." in words
    assert response.context["form"]["amendment_reason"].value() == "Frailty."
    assert BoardDecision.objects.filter(case_review=scheduled_case).count() == 2


def test_an_amendment_posted_without_the_decision_it_amends_asks_to_reload(board_client, board_member, scheduled_case):
    board_services.decision_record(
        case=scheduled_case, data=board_services.DecisionInput(kind="observation"), by=board_member
    )
    url = reverse("board:decision_amend", args=[scheduled_case.pk])
    response = board_client.post(url, {"kind": "more_tests", "amendment_reason": "Biopsy first."})
    assert response.status_code == 400 and versions.MISSING_VERSION in page_text(response)
    assert BoardDecision.objects.count() == 1


@pytest.fixture
def board_client(board_member):
    return logged_in(board_member)


# --- a create posted twice ------------------------------------------------------------------------------------------


def test_new_patient_posted_twice_opens_the_first(clinician_client, default_catalog):
    form = clinician_client.get(reverse("patients:create")).context["form"]
    data = {**posted(form), "mrn": "MRN-TWICE", "name": "Grace Hopper", "diagnosis_date": "2023-02-01"}
    assert data["submission_key"]
    first = clinician_client.post(reverse("patients:create"), data)
    second = clinician_client.post(reverse("patients:create"), data)
    patient = Patient.objects.get(mrn="MRN-TWICE")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == patient.get_absolute_url()
    assert Patient.objects.filter(name="Grace Hopper").count() == 1
    assert "added already by this form" in page_text(clinician_client.get(second["Location"]))


def test_new_line_posted_twice_opens_the_first(clinician_client, patient):
    url = reverse("patients:line_create", args=[patient.pk])
    data = line_page_data(clinician_client.get(url))
    data.update({"regimen_label": "Dd", "start_date": "2024-06-10", "drugs-0-drug": str(drug("daratumumab")),
                 "drugs-1-drug": str(drug("dexamethasone"))})  # fmt: skip
    first = clinician_client.post(url, data)
    second = clinician_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == patient.get_absolute_url()
    assert patient.lines.count() == 2
    assert patient.lines.filter(regimen_label="Dd").count() == 1


def test_start_restaging_posted_twice_opens_the_same_draft(clinician_client, patient):
    url = reverse("patients:restaging_start", args=[patient.pk])
    first, second = clinician_client.post(url), clinician_client.post(url)
    draft = Restaging.objects.get(patient=patient, status=RestagingStatus.DRAFT)
    assert first["Location"] == second["Location"] == reverse("patients:restaging_wizard", args=[patient.pk, draft.pk])


def test_save_for_board_posted_twice_opens_the_same_saved_case(clinician_client, patient):
    restaging = RestagingFactory(patient=patient)
    url = reverse("patients:review_create", args=[patient.pk, restaging.pk])
    first, second = clinician_client.post(url), clinician_client.post(url)
    review = CaseReview.objects.get(restaging=restaging)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == review.get_absolute_url()


# --- what the database refuses -------------------------------------------------------------------------------------


def test_the_database_allows_one_new_draft_per_patient(patient, clinician):
    services.restaging_start(patient=patient, by=clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        Restaging.objects.create(patient=patient, date=dt.date(2024, 6, 1))
    assert Restaging.objects.filter(patient=patient, status=RestagingStatus.DRAFT).count() == 1


def test_the_database_allows_one_saved_case_per_restaging_release_and_pathway(patient, clinician):
    review = services.case_review_save(patient=patient, restaging=RestagingFactory(patient=patient), by=clinician)[0]
    copy = {f.attname: getattr(review, f.attname) for f in CaseReview._meta.concrete_fields if f.name != "id"}
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseReview.objects.create(**copy)
    assert CaseReview.objects.filter(restaging=review.restaging).count() == 1


def test_versions_start_at_1_and_the_database_refuses_0(patient):
    assert patient.version == 1 and patient.lines.get().version == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(version=0)


# --- at once, on PostgreSQL -----------------------------------------------------------------------------------------


def at_once(count: int, work) -> list:
    """Run `work` in `count` threads released together; each thread's result, or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_three_starts_at_once_make_one_draft(default_catalog, clinician):
    patient = PatientFactory()
    TherapyLineFactory(patient=patient, start_date=dt.date(2018, 3, 15), progression_date=dt.date(2024, 5, 20))
    drafts = at_once(3, lambda: services.restaging_start(patient=patient, by=clinician).pk)
    assert all(isinstance(pk, int) for pk in drafts), drafts
    assert len(set(drafts)) == 1
    assert Restaging.objects.filter(patient=patient, status=RestagingStatus.DRAFT).count() == 1


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_four_saves_for_the_board_at_once_make_one_saved_case(default_catalog, clinician):
    patient = PatientFactory()
    TherapyLineFactory(patient=patient, start_date=dt.date(2018, 3, 15), progression_date=dt.date(2024, 5, 20))
    restaging = RestagingFactory(patient=patient)
    saved = at_once(4, lambda: services.case_review_save(patient=patient, restaging=restaging, by=clinician))
    assert all(isinstance(result, tuple) for result in saved), saved
    assert len({review.pk for review, _ in saved}) == 1
    assert sorted(created for _, created in saved) == [False, False, False, True]
    assert CaseReview.objects.filter(restaging=restaging).count() == 1


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_edits_at_once_from_the_same_version_save_one(default_catalog, clinician):
    patient = PatientFactory(name="Ada Lovelace")

    def edit(name: str):
        def work():
            return services.patient_update(
                patient=Patient.objects.get(pk=patient.pk), data={"name": name}, by=clinician, based_on=1
            ).version

        return work

    works = [edit("Ada King"), edit("Ada Byron")]
    results = at_once(2, lambda: works.pop()())
    assert sorted(type(result).__name__ for result in results) == ["StaleRecord", "int"], results
    patient.refresh_from_db()
    assert patient.version == 2 and patient.name in ("Ada King", "Ada Byron")
