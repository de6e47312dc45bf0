"""Template filters for showing published figures as they were published."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value) -> str:
    """0.370 -> '0.37', 1.000 -> '1': a stored figure without the padding the database adds."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


METRIC_LABELS = {
    "PFS_median": "Median PFS",
    "OS_median": "Median OS",
    "TTP_median": "Median TTP",
    "EFS_median": "Median EFS",
    "PFS2_median": "Median PFS2",
    "DoR_median": "Median duration of response",
    "PFS_HR": "PFS hazard ratio",
    "OS_HR": "OS hazard ratio",
    "ORR": "Overall response",
    "ORR_PR_or_better": "Response (PR or better)",
    "VGPR_or_better": "VGPR or better",
    "CR_or_better": "CR or better",
    "sCR": "Stringent CR",
    "MRD_negative_1e-5": "MRD negative (10⁻⁵)",
    "MRD_negative_CR": "MRD-negative CR",
    "MRD_negative_in_CR": "MRD negative among CR",
    "PFS_HR_vs_external_control": "PFS hazard ratio vs external control",
    "Deaths": "Deaths",
    "DoR_rate": "Response duration rate",
}


@register.filter
def metric_label(code: str) -> str:
    """PFS_median -> 'Median PFS'; rates such as PFS_rate_12mo -> 'PFS at 12 months'."""
    if code in METRIC_LABELS:
        return METRIC_LABELS[code]
    if "_rate_" in code and code.endswith("mo"):
        what, months = code.split("_rate_")
        return f"{what} at {months[:-2]} months"
    return code.replace("_", " ")


@register.filter
def source_title(source: str) -> str:
    """'Title | https://…' -> 'Title'."""
    return (source or "").split(" | ", 1)[0]


@register.filter
def source_url(source: str) -> str:
    """'Title | https://…' -> 'https://…' (empty when the source names no address)."""
    parts = (source or "").split(" | ", 1)
    url = parts[1].strip() if len(parts) == 2 else ""
    return url if url.startswith(("https://", "http://")) else ""
