"""Section 1.1-1.2: exposure, refractoriness per drug, classes, triple-class, penta, BCMA flags."""

from __future__ import annotations

from tests.unit.engine.builders import (
    VRD,
    case,
    classified,
    len_refractory_line,
    line,
    run,
    shift,
    single_line_case,
    tce_case,
)

END = "2020-01-01"


def refractory_after(days: int) -> tuple[str, ...]:
    data = single_line_case(["lenalidomide", "dexamethasone"], "2019-06-01", END, shift(END, days))
    return classified(data).exposure.refractory_drugs


def test_progression_60_days_after_the_last_dose_is_refractory() -> None:
    assert refractory_after(60) == ("lenalidomide",)


def test_progression_59_days_after_the_last_dose_is_refractory() -> None:
    assert refractory_after(59) == ("lenalidomide",)


def test_progression_61_days_after_the_last_dose_is_exposure_only() -> None:
    assert refractory_after(61) == ()


def test_progression_on_the_day_of_the_last_dose_is_refractory() -> None:
    assert refractory_after(0) == ("lenalidomide",)


def test_progression_before_the_last_dose_is_progression_on_the_drug() -> None:
    data = single_line_case(
        ["lenalidomide", "dexamethasone"], "2019-06-01", END, shift(END, -30), restaging_date=shift(END, 5)
    )
    assert classified(data).exposure.refractory_drugs == ("lenalidomide",)


def test_ongoing_line_with_a_progression_date_is_progression_on_therapy() -> None:
    data = single_line_case(["lenalidomide", "dexamethasone"], "2019-06-01", None, "2021-01-01")
    cls = classified(data)
    assert cls.exposure.refractory_drugs == ("lenalidomide",)
    assert "while still on it" in cls.exposure.refractory_phrase("lenalidomide")


def test_line_without_progression_date_gives_no_date_based_refractoriness() -> None:
    data = single_line_case(["lenalidomide", "dexamethasone"], "2019-06-01", END, None, restaging_date=shift(END, 10))
    assert classified(data).exposure.refractory_drugs == ()


def test_best_response_sd_makes_every_drug_of_the_line_refractory_maintenance_included() -> None:
    data = case(
        prior_lines=[
            line(
                VRD,
                "2019-02-15",
                "2019-06-15",
                "2023-01-01",
                best_response="SD",
                maintenance={"drugs": ["lenalidomide"], "start_date": "2019-08-01", "end_date": "2020-01-01"},
            )
        ],
        restaging={"date": "2023-01-10"},
    )
    assert classified(data).exposure.refractory_drugs == ("bortezomib", "lenalidomide")


def test_best_response_pd_makes_the_line_refractory() -> None:
    data = single_line_case(
        ["pomalidomide", "dexamethasone"],
        "2019-06-01",
        END,
        None,
        best_response="PD",
        restaging_date="2020-03-01",
    )
    assert classified(data).exposure.refractory_drugs == ("pomalidomide",)


def test_maintenance_lenalidomide_counts_with_its_own_last_dose() -> None:
    cls = classified(case(prior_lines=[len_refractory_line()], restaging={"date": "2022-02-15"}))
    assert cls.exposure.refractory_drugs == ("lenalidomide",)
    assert cls.lenalidomide_status == "refractory"
    assert "maintenance" in cls.exposure.refractory_phrase("lenalidomide")


def test_per_drug_end_date_carries_its_own_last_dose() -> None:
    drugs = [{"name": "bortezomib", "end_date": "2019-05-01"}, "lenalidomide", "dexamethasone"]
    data = single_line_case(drugs, "2019-02-15", "2020-01-01", "2020-02-01")
    cls = classified(data)
    assert cls.exposure.refractory_drugs == ("lenalidomide",)
    assert "bortezomib" in cls.exposure.exposed_drugs


def test_per_drug_null_end_date_means_still_ongoing() -> None:
    drugs = [{"name": "lenalidomide", "end_date": None}, "bortezomib", "dexamethasone"]
    data = single_line_case(drugs, "2019-02-15", "2019-08-01", "2022-01-01")
    assert classified(data).exposure.refractory_drugs == ("lenalidomide",)


def test_steroids_never_count_as_exposed_or_refractory() -> None:
    data = single_line_case(["dexamethasone", "prednisone", "lenalidomide"], "2019-06-01", END, shift(END, 10))
    cls = classified(data)
    assert "dexamethasone" not in cls.exposure.exposed_drugs
    assert "prednisone" not in cls.exposure.refractory_drugs
    assert "corticosteroid" not in cls.exposure.refractory_classes


def test_car_t_progression_any_time_after_infusion_is_refractory() -> None:
    lines = [
        len_refractory_line(),
        line(
            ["ciltacabtagene autoleucel", "fludarabine", "cyclophosphamide"],
            "2022-04-01",
            "2022-04-01",
            "2024-03-01",
            best_response="sCR",
        ),
    ]
    cls = classified(case(prior_lines=lines, restaging={"date": "2024-03-10"}))
    assert "ciltacabtagene autoleucel" in cls.exposure.refractory_drugs
    assert cls.exposure.bcma_exposed and cls.exposure.bcma_progressed


def test_lymphodepletion_is_supportive_beside_a_car_t_product() -> None:
    lines = [
        len_refractory_line(),
        line(
            ["ciltacabtagene autoleucel", "fludarabine", "cyclophosphamide"],
            "2022-04-01",
            "2022-04-01",
            "2022-05-01",
            best_response="PD",
        ),
    ]
    cls = classified(case(prior_lines=lines, restaging={"date": "2022-05-10"}))
    assert "cyclophosphamide" not in cls.exposure.exposed_drugs
    assert "fludarabine" not in cls.exposure.exposed_drugs


def test_cyclophosphamide_is_active_without_a_car_t_product() -> None:
    data = single_line_case(["bortezomib", "cyclophosphamide", "dexamethasone"], "2019-06-01", END, shift(END, 20))
    assert classified(data).exposure.refractory_drugs == ("bortezomib", "cyclophosphamide")


def test_override_marks_a_drug_refractory_and_the_basis_says_why() -> None:
    data = single_line_case(
        VRD,
        "2019-02-15",
        "2019-08-01",
        "2024-05-20",
        refractory_override={"refractory": ["bortezomib"], "reason": "outside records"},
    )
    out = run(data)
    assert out["classification"]["refractory_drugs"] == ["bortezomib"]
    overrides = [b for b in out["classification"]["basis"] if b["rule"] == "refractory.override"]
    assert overrides and "outside records" in overrides[0]["text"]


def test_override_not_refractory_wins_over_the_computed_status() -> None:
    data = case(
        prior_lines=[
            len_refractory_line(
                refractory_override={
                    "not_refractory": ["lenalidomide"],
                    "reason": "progressed on 5 mg only; treating as sensitive",
                }
            )
        ],
        restaging={"date": "2022-02-15"},
    )
    cls = classified(data)
    assert cls.exposure.refractory_drugs == ()
    assert cls.setting == "first_relapse_len_sensitive"


def test_class_refractory_if_any_member_is() -> None:
    cls = classified(tce_case())
    assert set(cls.exposure.refractory_classes) == {"IMiD", "anti_CD38"}
    assert cls.exposure.triple_class_exposed and not cls.exposure.triple_class_refractory


def test_triple_class_refractory_needs_a_refractory_drug_in_each_class() -> None:
    lines = [
        len_refractory_line(),
        line(["daratumumab", "carfilzomib", "dexamethasone"], "2022-02-20", None, "2024-05-20"),
    ]
    cls = classified(case(prior_lines=lines))
    assert cls.exposure.triple_class_refractory


def test_penta_refractory_needs_anti_cd38_and_both_pis_and_both_imids() -> None:
    lines = [
        len_refractory_line(),
        line(
            ["daratumumab", "carfilzomib", "pomalidomide", "dexamethasone"],
            "2022-02-20",
            "2023-01-01",
            "2023-02-01",
            best_response="PR",
        ),
        line(["bortezomib", "selinexor", "dexamethasone"], "2023-02-10", None, "2024-05-20"),
    ]
    cls = classified(case(prior_lines=lines))
    assert cls.exposure.penta_refractory
    lines[2] = line(["ixazomib", "selinexor", "dexamethasone"], "2023-02-10", None, "2024-05-20")
    assert not classified(case(prior_lines=lines)).exposure.penta_refractory


def test_bcma_progressed_needs_a_recorded_progression_on_or_after_the_bcma_line() -> None:
    bcma_line = line(["teclistamab"], "2022-03-01", None, None, best_response="VGPR")
    cls = classified(case(prior_lines=[len_refractory_line(), bcma_line], restaging={"date": "2024-01-01"}))
    assert cls.exposure.bcma_exposed and not cls.exposure.bcma_progressed
    bcma_line["progression_date"] = "2023-12-01"
    cls = classified(case(prior_lines=[len_refractory_line(), bcma_line], restaging={"date": "2024-01-01"}))
    assert cls.exposure.bcma_progressed
