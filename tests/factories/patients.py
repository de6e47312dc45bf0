"""Factories of the patient records. Lines need the catalog's drugs: use them with the `default_catalog`
fixture (drugs are looked up by name)."""

import datetime as dt

import factory

from patients.models import LineDrug, Patient, Restaging, RestagingStatus, TherapyLine
from regimens.models import Drug


class PatientFactory(factory.django.DjangoModelFactory):
    """A patient of the default test clinical team; `care_team=False`: of no team; `care_team=<team>`: of that team."""

    class Meta:
        model = Patient
        skip_postgeneration_save = True

    mrn = factory.Sequence(lambda n: f"MRN-{n:06d}")
    name = factory.Sequence(lambda n: f"Test Patient {n}")
    birth_date = dt.date(1958, 5, 17)
    sex = "female"
    weight_kg = 70.0
    height_cm = 168.0
    diagnosis_date = dt.date(2018, 3, 1)
    heavy_chain = "IgG"
    light_chain = "kappa"
    iss_stage = 2
    ldh_above_uln = False
    dx_del_17p = False
    dx_tp53_mutation = False
    dx_t_4_14 = False
    dx_t_14_16 = False
    dx_t_14_20 = False
    dx_t_11_14 = False
    dx_gain_1q = False
    dx_amp_1q = False
    dx_del_1p32 = "none"

    @factory.post_generation
    def care_team(self, create, extracted, **kwargs):
        if not create:
            return
        from tests.factories import default_clinical_team

        team = default_clinical_team() if extracted is None else extracted
        if team:
            team.patients.add(self)


class TherapyLineFactory(factory.django.DjangoModelFactory):
    """A line with drugs by name: TherapyLineFactory(patient=p, drugs=["bortezomib", "dexamethasone"])."""

    class Meta:
        model = TherapyLine
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    number = factory.LazyAttribute(lambda line: line.patient.lines.count() + 1)
    regimen_label = "VRd"
    start_date = dt.date(2018, 3, 15)
    end_date = dt.date(2018, 9, 1)
    best_response = "VGPR"
    progression_date = None
    stop_reason = "completed"

    @factory.post_generation
    def drugs(self, create, extracted, **kwargs):
        if not create:
            return
        names = extracted if extracted is not None else ["bortezomib", "lenalidomide", "dexamethasone"]
        by_name = {d.name: d for d in Drug.objects.filter(name__in=names)}
        LineDrug.objects.bulk_create(
            LineDrug(line=self, drug=by_name[name], position=i) for i, name in enumerate(names)
        )

    @factory.post_generation
    def maintenance(self, create, extracted, **kwargs):
        if create and extracted:
            by_name = {d.name: d for d in Drug.objects.filter(name__in=extracted)}
            LineDrug.objects.bulk_create(
                LineDrug(line=self, drug=by_name[name], is_maintenance=True, position=i)
                for i, name in enumerate(extracted)
            )


class RestagingFactory(factory.django.DjangoModelFactory):
    """A complete restaging at a biochemical relapse with unremarkable organ function."""

    class Meta:
        model = Restaging

    patient = factory.SubFactory(PatientFactory)
    status = RestagingStatus.COMPLETE
    completed_at = factory.LazyFunction(lambda: dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC))
    date = dt.date(2024, 6, 3)
    serum_m_protein_g_dl = 1.6
    serum_m_protein_nadir_g_dl = 0.2
    serum_m_protein_previous_g_dl = 1.1
    previous_assessment_date = dt.date(2024, 4, 22)
    involved_flc_mg_l = 120.0
    uninvolved_flc_mg_l = 9.0
    creatinine_mg_dl = 1.0
    creatinine_baseline_mg_dl = 0.9
    calcium_mg_dl = 9.5
    albumin_g_dl = 3.9
    hemoglobin_g_dl = 12.5
    hemoglobin_baseline_g_dl = 13.0
    ldh_u_l = 180
    ldh_uln_u_l = 250
    beta2_microglobulin_mg_l = 2.8
    bone_marrow_plasma_cells_pct = 20
    circulating_plasma_cells_pct = 0
    new_bone_lesions = False
    existing_lesion_growth = False
    crab_attributable_to_myeloma = True
    plasmacytoma = "none"
    hyperviscosity = False
    del_17p = False
    tp53_mutation = False
    t_4_14 = False
    t_14_16 = False
    t_14_20 = False
    t_11_14 = False
    gain_1q = False
    amp_1q = False
    del_1p32 = "none"
    ecog = 1
    charlson_comorbidity_index = 1
    adl = 6
    iadl = 8
    peripheral_neuropathy_grade = 0
    neuropathic_pain = False
    on_dialysis = False
    uncontrolled_hypertension = False
    prior_vte = False
    bmi_30_or_more = False
    central_line = False
    on_anticoagulant = False
    corneal_disease = False
    all_oral = False
    declines_transplant = False


class DraftRestagingFactory(RestagingFactory):
    status = RestagingStatus.DRAFT
    completed_at = None
