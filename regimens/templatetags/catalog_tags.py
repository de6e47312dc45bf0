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


@register.simple_tag
def pathway_titles(catalog_version: str = "") -> dict[str, str]:
    """Code -> title of every pathway, to name other pathways beside an option: from the release's engine
    catalog when this process has it (no query), else from the catalog in the database."""
    from regimens.catalog import cached_engine_catalog
    from regimens.models import Pathway

    catalog = cached_engine_catalog(catalog_version) if catalog_version else None
    if catalog is not None:
        return {pathway.code: pathway.title for pathway in catalog.pathways}
    return dict(Pathway.objects.values_list("code", "title"))


@register.simple_tag
def position_text(position: dict, titles: dict[str, str]) -> str:
    """Where another pathway places an option: 'Seed 2025: first choice', '… rank 4 (alternative)', '… not listed'."""
    code = position.get("pathway") or ""
    title = titles.get(code) or code.replace("-", " ").capitalize()
    rank, tier = position.get("rank"), position.get("tier")
    if rank is None:
        return f"{title}: not an option"
    if rank == 1:
        return f"{title}: first choice"
    return f"{title}: rank {rank} ({tier})"


THROMBOPROPHYLAXIS_WORDS = {
    "aspirin": "aspirin",
    "lmwh_or_doac": "LMWH or a DOAC",
    "continue_anticoagulant": "continue the anticoagulant already taken",
}


@register.filter
def thromboprophylaxis_words(code: str) -> str:
    return THROMBOPROPHYLAXIS_WORDS.get(code, str(code).replace("_", " "))


@register.filter
def setting_words(code: str) -> str:
    """A setting code in the words clinicians use: first_relapse_len_refractory -> first relapse,
    lenalidomide-refractory (the engine's own names, so the page and the option reasons agree)."""
    from regimens.engine.recommend import SETTING_NAMES

    return SETTING_NAMES.get(code, str(code or "").replace("_", " "))
