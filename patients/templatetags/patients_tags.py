"""Small display helpers for the patient pages (formatting only)."""

from django import template

register = template.Library()


@register.filter
def tri_state(value, labels: str = "yes,no,not known") -> str:
    """True / False / None as words, e.g. {{ value|tri_state:"positive,negative,not tested" }}."""
    yes, no, unknown = labels.split(",")
    return {True: yes, False: no}.get(value, unknown)


@register.filter
def code_words(value) -> str:
    """A stable code in words: first_relapse_len_refractory -> first relapse len refractory."""
    if value is None or value == "":
        return "not known"
    return str(value).replace("_", " ")


@register.filter
def number(value, unit: str = "") -> str:
    """A measured value without trailing zeros, with its unit; "–" when not recorded."""
    if value is None or value == "":
        return "–"
    text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return f"{text} {unit}".strip()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def clinician_readings(classification, overrides) -> dict:
    """The clinician's different readings of the classification beside the engine's, for display:
    {"rows": [{"field", "title", "engine", "clinician", "reason"}], "by_field": {field: row},
    "fields": "relapse nature and risk"}. Recorded only: the engine never sees them."""
    from patients.models import CLASSIFICATION_READINGS

    rows = [
        {
            "field": field,
            "title": title,
            "engine": (classification or {}).get(field),
            "clinician": overrides[field].get("value"),
            "reason": overrides[field].get("reason", ""),
        }
        for field, (title, _) in CLASSIFICATION_READINGS.items()
        if (overrides or {}).get(field)
    ]
    titles = [row["title"].lower() for row in rows]
    fields = " and ".join([", ".join(titles[:-1]), titles[-1]]) if len(titles) > 1 else "".join(titles)
    return {"rows": rows, "by_field": {row["field"]: row for row in rows}, "fields": fields}


@register.filter
def unit_field(bound_field):
    """The unit select beside a lab value's input (patients.forms.UNIT_SUFFIX)."""
    return bound_field.form[f"{bound_field.name}_unit"]


@register.simple_tag
def lab_values(restaging) -> list[dict]:
    """The restaging's lab values for display: each as entered (value and unit) and in the engine's unit.
    [{"label", "entered", "engine", "converted"}] for the values recorded."""
    from patients import numbers, units
    from patients.models import Restaging

    rows = []
    for name, quantity in units.FIELDS.items():
        stored = getattr(restaging, name)
        if stored is None:
            continue
        engine_unit = units.QUANTITIES[quantity].engine_unit
        label = str(Restaging._meta.get_field(name).verbose_name).removesuffix(f" ({engine_unit})")
        entry = (restaging.values_as_entered or {}).get(name)
        entered = f"{numbers.shown(entry['value'])} {entry['unit']}" if entry else number(stored, engine_unit)
        rows.append(
            {
                "label": label,
                "entered": entered,
                "engine": number(stored, engine_unit),
                "converted": bool(entry) and entry["unit"] != engine_unit,
            }
        )
    return rows


@register.simple_tag
def frozen_lab_values(review) -> list[dict]:
    """The lab values of a saved case as they were frozen: the case's engine-unit values and the values as
    entered kept beside it, never the live records."""
    from types import SimpleNamespace

    from patients import units

    frozen = (review.case_json or {}).get("restaging") or {}
    restaging = SimpleNamespace(
        values_as_entered=review.values_as_entered or {}, **{name: frozen.get(name) for name in units.FIELDS}
    )
    return lab_values(restaging)


# Drug class codes of the engine's classification, in words (the catalog's own names may differ in case).
CLASS_WORDS = {
    "IMiD": "immunomodulatory drug (IMiD)",
    "proteasome_inhibitor": "proteasome inhibitor",
    "anti_CD38": "anti-CD38 antibody",
}


@register.filter
def clinical_words(value) -> str:
    """A setting or class code of the engine in words (e.g. first_relapse_len_refractory -> "first relapse,
    lenalidomide-refractory"); any other code with its underscores as spaces."""
    from regimens.models import Setting

    if value is None or value == "":
        return "not known"
    if value in Setting.values:
        label = str(Setting(value).label)
        return label[0].lower() + label[1:]
    return CLASS_WORDS.get(value, str(value).replace("_", " "))
