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
