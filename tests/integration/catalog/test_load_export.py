"""load_catalog validates, upserts idempotently and releases once per change; export_catalog round-trips."""

import copy
import json

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from regimens import models as m
from regimens.catalog import DEFAULT_CATALOG_FILE, export_document, read_document
from regimens.services import catalog_load

pytestmark = pytest.mark.django_db


def write(tmp_path, document, name="catalog.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def load_file(path):
    call_command("load_catalog", str(path))


def default_document():
    return read_document(DEFAULT_CATALOG_FILE)


def test_loading_the_default_catalog_creates_one_release(default_catalog):
    assert m.CatalogRelease.objects.count() == 1
    assert m.Regimen.objects.count() == len(default_document()["regimens"])
    assert default_catalog.snapshot["regimens"]


def test_loading_the_same_file_again_changes_nothing(default_catalog, capsys):
    history_rows = m.Regimen.history.count() + m.Outcome.history.count()
    call_command("load_catalog")
    assert "Catalog unchanged" in capsys.readouterr().out
    assert m.CatalogRelease.objects.count() == 1
    assert m.Regimen.history.count() + m.Outcome.history.count() == history_rows


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_load_changes_nothing(default_catalog, tmp_path, fmt, capsys):
    out = tmp_path / f"export.{fmt}"
    call_command("export_catalog", "--format", fmt, "--output", str(out))
    before = export_document()
    load_file(out)
    assert m.CatalogRelease.objects.count() == 1
    assert export_document() == before
    assert read_document(out)["regimens"] == before["regimens"]


def test_export_keeps_every_regimen_and_figure_of_the_default_file(default_catalog):
    exported = {r["code"]: r for r in export_document()["regimens"]}
    source = {r["code"]: r for r in default_document()["regimens"]}
    assert exported.keys() == source.keys()
    for code, reg in source.items():
        got = [o for t in exported[code]["trials"] for o in t["outcomes"]]
        want = [o for t in reg.get("trials", []) for o in t.get("outcomes", [])]
        assert len(got) == len(want), code
        for mine, theirs in zip(got, want, strict=True):
            assert (mine["metric"], mine["analysis"], mine["verification"]) == (
                theirs["metric"],
                theirs["analysis"],
                theirs.get("verification"),
            )
            assert mine["experimental"] == (None if theirs.get("experimental") is None else str(theirs["experimental"]))
            for key in ("hr", "ci_low", "ci_high"):
                assert mine[key] == theirs.get(key), (code, key)


# Verified figures pinned in the issue-9 evidence audit: (regimen, metric, analysis, experimental, control, hr)
PINNED_FIGURES = [
    ("DRd", "OS_median", "final OS analysis, median f/u 79.7 mo", "67.6", "51.8", 0.73),
    ("DRd", "PFS_median", "extended, median f/u 44.3 mo", "44.5", "17.5", 0.44),
    ("DVd", "PFS_median", "40-mo follow-up, lenalidomide-refractory", "7.8", "4.9", 0.44),
    ("DVd", "OS_median", "final OS, median f/u 72.6 mo", "49.6", "38.5", 0.74),
    ("DKd", "PFS_median", "final analysis, median f/u ~50 mo", "28.4", "15.2", 0.64),
    (
        "DKd",
        "OS_median",
        "final analysis, median follow-up ~50 months, lenalidomide-refractory subgroup",
        "NR",
        "38.2",
        0.69,
    ),
    ("Isa-Kd", "PFS_median", "final PFS analysis", "35.7", "19.2", 0.58),
    ("DPd", "PFS_median", "primary, median f/u 16.9 mo", "12.4", "6.9", 0.63),
    ("DPd", "CR_or_better", "primary analysis, median follow-up 16.9 months", "24.5", "3.9", None),
    ("PVd", "PFS_median", "primary analysis, median follow-up 15.9 months (Lancet Oncol 2019)", "11.2", "7.1", 0.61),
    ("PVd", "OS_median", "final OS analysis, median follow-up 64.5 months (IMS 2023)", "35.6", "31.6", 0.94),
    ("cilta-cel", "OS_median", "CARTITUDE-4 updated, median f/u 33.6 mo", "NR", "NR", 0.55),
    ("ide-cel", "CR_or_better", "final PFS analysis, median follow-up 30.9 months (Blood 2024)", "44", "5", None),
    ("ide-cel", "PFS_median", "final PFS analysis, median follow-up 30.9 months (Blood 2024)", "13.8", "4.4", 0.49),
    (
        "Tec-Dara",
        "PFS_median",
        "first interim analysis (primary PFS analysis), median follow-up 34.5 months (NEJM 2025)",
        "NR",
        "18.1",
        0.17,
    ),
    ("Tec-Dara", "OS_HR", "first interim OS analysis, median follow-up 34.5 months (NEJM 2025)", None, None, 0.46),
    ("Tec-Dara", "CR_or_better", "first interim", "81.8", "32.1", None),
    ("sASCT", "OS_median", "final OS analysis (Lancet Haematol 2016)", "67", "52", None),
    ("sASCT", "OS_median", "long-term follow-up, median follow-up 76 months (Br J Haematol 2019)", "67", "55", 0.64),
    ("Sd", "ORR", "primary analysis, modified intention-to-treat (n=122; NEJM 2019)", "26", None, None),
    ("Sd", "PFS_median", "primary analysis, modified intention-to-treat (n=122)", "3.7", None, None),
    ("Sd", "OS_median", "primary analysis, modified intention-to-treat (n=122)", "8.6", None, None),
    ("BVd", "PFS_median", "first interim analysis, ITT, median f/u 28.2 mo (NEJM 2024)", "36.6", "13.4", 0.41),
    ("DCEP", "ORR", "retrospective series (n=62)", "55", None, None),
]


def test_every_regimen_and_pinned_verified_figure_survives_load_and_export(default_catalog):
    exported = {r["code"]: r for r in export_document()["regimens"]}
    assert {r["code"] for r in default_document()["regimens"]} == set(exported)
    for code, metric, analysis, experimental, control, hr in PINNED_FIGURES:
        rows = [o for t in exported[code]["trials"] for o in t["outcomes"]]
        matches = [
            r
            for r in rows
            if r["metric"] == metric and r["analysis"] == analysis and r["hr"] == hr and r["verification"] == "verified"
        ]
        assert len(matches) == 1, (code, metric, analysis)
        assert (matches[0]["experimental"], matches[0]["control"]) == (experimental, control)


def test_a_change_in_the_file_updates_that_regimen_and_makes_one_release(default_catalog, tmp_path):
    document = default_document()
    drd = next(r for r in document["regimens"] if r["code"] == "DRd")
    drd["description"] = "Edited description."
    load_file(write(tmp_path, document))
    assert m.CatalogRelease.objects.count() == 2
    assert m.Regimen.objects.get(code="DRd").description == "Edited description."
    load_file(write(tmp_path, document))
    assert m.CatalogRelease.objects.count() == 2


def _entries(document, pathway, setting="first_relapse_len_sensitive", fitness="any"):
    found = next(p for p in document["pathways"] if p["code"] == pathway)
    return {e["regimen"]: e for e in found["entries"] if e["setting"] == setting and e["fitness"] == fitness}


def test_ranks_can_move_between_regimens_in_one_load(default_catalog, tmp_path):
    document = default_document()
    entries = _entries(document, "guidelines-2026")
    entries["DRd"]["rank"], entries["KRd"]["rank"] = entries["KRd"]["rank"], entries["DRd"]["rank"]
    load_file(write(tmp_path, document))
    first = (
        m.SettingPreference.objects.filter(
            pathway__code="guidelines-2026", setting="first_relapse_len_sensitive", fitness="any"
        )
        .order_by("rank")
        .first()
    )
    assert first.regimen.code == "KRd"
    assert m.CatalogRelease.objects.count() == 2


def test_the_release_records_the_active_pathway_and_a_file_can_change_it(default_catalog, tmp_path):
    assert default_catalog.pathway == "guidelines-2026"
    document = default_document()
    for pathway in document["pathways"]:
        pathway["active"] = pathway["code"] == "seed-2025"
    load_file(write(tmp_path, document))
    assert list(m.Pathway.objects.filter(active=True).values_list("code", flat=True)) == ["seed-2025"]
    assert m.CatalogRelease.objects.latest().pathway == "seed-2025"


def test_a_format_1_release_still_runs_with_its_own_order(default_catalog):
    """Releases saved before pathways keep their single order; reading them never fails."""
    from regimens.catalog import engine_catalog

    snapshot = copy.deepcopy(default_catalog.snapshot)
    snapshot["format"] = "myeloma-cds-catalog/1"
    pathways = snapshot.pop("pathways")
    seed = next(p for p in pathways if p["code"] == "seed-2025")
    for regimen in snapshot["regimens"]:
        regimen["settings"] = [
            {k: e[k] for k in ("setting", "fitness", "rank", "tier", "note")}
            for e in seed["entries"]
            if e["regimen"] == regimen["code"]
        ]
    old = m.CatalogRelease.objects.create(label="2025-01-01.1", content_hash="old", snapshot=snapshot)
    catalog = engine_catalog(old)
    assert catalog.pathway_codes == ("order-before-pathways",)
    drd = catalog.active_pathway.setting_list("first_relapse_len_sensitive", "any")[0]
    assert drd[1].code == "DRd"


def broken(mutate):
    document = copy.deepcopy(default_document())
    mutate({r["code"]: r for r in document["regimens"]}, document)
    return document


def _unknown_drug(regs, doc):
    regs["DRd"]["components"][0]["drug"] = "daratumumabb"


def _unknown_class(regs, doc):
    doc["drugs"][0]["class"] = "anti_CD99"


def _duplicate_code(regs, doc):
    doc["regimens"].append(copy.deepcopy(regs["DRd"]))


def _rank_collision(regs, doc):
    entries = _entries(doc, "guidelines-2026")
    entries["KRd"]["rank"] = entries["DRd"]["rank"]


def _unknown_setting(regs, doc):
    _entries(doc, "guidelines-2026")["DRd"]["setting"] = "third_relapse"


def _two_active_pathways(regs, doc):
    for pathway in doc["pathways"]:
        pathway["active"] = True


def _unknown_condition(regs, doc):
    regs["BVd"]["trials"][0]["key_exclusions"] = ["daratumumab_allergy"]


def _hr_outside_ci(regs, doc):
    outcome = next(o for t in regs["DRd"]["trials"] for o in t["outcomes"] if o.get("hr") is not None)
    outcome["hr"] = outcome["ci_high"] + 0.1


def _no_active_component(regs, doc):
    for comp in regs["Pd"]["components"]:
        comp["role"] = "corticosteroid"


def _drug_twice(regs, doc):
    regs["Pd"]["components"].append(dict(regs["Pd"]["components"][0]))


def _unknown_field(regs, doc):
    regs["DRd"]["colour"] = "blue"


@pytest.mark.parametrize(
    ("mutate", "place", "message"),
    [
        (_unknown_drug, "regimens[DRd].components[0].drug", "unknown drug 'daratumumabb'"),
        (_unknown_class, ".class", "unknown class 'anti_CD99'"),
        (_duplicate_code, "regimens[DRd]", "duplicate regimen code"),
        (
            _rank_collision,
            "pathways[guidelines-2026].entries[first_relapse_len_sensitive/any/KRd].rank",
            "already used by DRd",
        ),
        (
            _unknown_setting,
            "pathways[guidelines-2026].entries[third_relapse/any/DRd]",
            "unknown setting 'third_relapse'",
        ),
        (_two_active_pathways, "pathways", "exactly one pathway must be active"),
        (_unknown_condition, "regimens[BVd].trials[0].key_exclusions[0]", "unknown condition 'daratumumab_allergy'"),
        (_hr_outside_ci, "regimens[DRd].trials[0].outcomes", "lies outside its own CI"),
        (_no_active_component, "regimens[Pd].components", "needs at least one active component"),
        (_drug_twice, "regimens[Pd].components", "appears twice"),
        (_unknown_field, "regimens[DRd].colour", "unknown key"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:] or None,
)
def test_each_problem_is_reported_with_its_place_and_nothing_is_written(
    default_catalog, tmp_path, capsys, mutate, place, message
):
    before = export_document()
    with pytest.raises(CommandError) as error:
        load_file(write(tmp_path, broken(mutate)))
    assert error.value.returncode == 2
    err = capsys.readouterr().err
    line = next((ln for ln in err.splitlines() if message in ln), None)
    assert line is not None, err
    assert place in line
    assert export_document() == before
    assert m.CatalogRelease.objects.count() == 1


def test_an_unreadable_file_is_a_clear_error(tmp_path, db):
    bad = tmp_path / "bad.yaml"
    bad.write_text("regimens: [unclosed")
    with pytest.raises(CommandError):
        call_command("load_catalog", str(bad))


def test_json_files_load_too(db, tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(default_document()))
    result = catalog_load(document=read_document(path))
    assert result.changed and len(result.created) == len(default_document()["regimens"])


def test_a_text_too_long_for_its_field_is_reported_with_its_place(default_catalog, tmp_path, capsys):
    def long_analysis(regs, doc):
        regs["DRd"]["trials"][0]["outcomes"][0]["analysis"] = "x" * 301

    with pytest.raises(CommandError):
        load_file(write(tmp_path, broken(long_analysis)))
    assert "regimens[DRd].trials[0].outcomes[0].analysis: is 301 characters; at most 300" in capsys.readouterr().err
