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
