"""The board's printed documents: the case summary and the meeting's minutes, as A4 PDFs.

A template renders HTML from data already read (the saved case's frozen `case_json` and `result_json`, its
decisions, the meeting); WeasyPrint lays it out. WeasyPrint opens no remote resource: its URL fetcher serves
files under the static directory and refuses everything else, so a printed case never calls out to the
network and never shows anything but what the template put there. Fonts are the system's DejaVu.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from board.models import BoardDecision, BoardMeeting
from board.selectors import CaseFile
from patients import numbers, units
from patients.models import CYTOGENETIC_FIELDS, CaseReview, Del1p32, Plasmacytoma, Response, Restaging, StopReason

# --- rendering ----------------------------------------------------------------------------------------------


class RefusedResource(ValueError):
    """WeasyPrint asked for something that is not a file under the static directory."""


def static_root() -> Path:
    """Where the PDFs' relative URLs (the logo) resolve: the collected static files when collected, else the
    project's static directory (development and tests)."""
    collected = Path(settings.STATIC_ROOT)
    return collected if collected.is_dir() else Path(settings.STATICFILES_DIRS[0])


class StaticFilesOnly(URLFetcher):
    """Serves local files under `root`; any other URL (http, https, data, a file elsewhere) is refused."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedResource(f"Only local static files are printed, not {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedResource(f"{url} is not a static file")
        return super().fetch(path.as_uri(), headers)


def render_pdf(template: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    html = render_to_string(template, context, request=request)
    root = static_root()
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=StaticFilesOnly(root))
    return bytes(document.write_pdf())


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def safe_filename_part(text: str) -> str:
    """An MRN or title as a file-name part: letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "unnamed"


def person(user: User | AnonymousUser | None) -> str:
    if user is None:
        return ""
    full_name = getattr(user, "get_full_name", lambda: "")()
    return str(full_name or user.get_username())


# --- the frozen case in words -------------------------------------------------------------------------------

NOT_RECORDED = "not recorded"
# Groups of the case format's restaging object that are flattened into the restaging's fields.
NESTED_GROUPS = ("cardiac", "vte")
# Shown elsewhere on the summary (the heading, the cytogenetics table).
NOT_A_VALUE = ("date", "cytogenetics")
CHOICE_WORDS: dict[str, dict[str, str]] = {
    "plasmacytoma": dict(Plasmacytoma.choices),
    "del_1p32": dict(Del1p32.choices),
}
TRANSPLANT_WORDS = {"autologous": "autologous transplant", "allogeneic": "allogeneic transplant"}


@dataclass(frozen=True)
class Value:
    label: str
    text: str


@dataclass(frozen=True)
class Line:
    number: int
    regimen: str
    drugs: str
    dates: str
    best_response: str
    progression: str
    stop_reason: str
    extras: list[str] = field(default_factory=list)  # transplant, maintenance, refractoriness overrides


def _number(value: Any) -> str:
    return numbers.shown(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def _yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, NOT_RECORDED)


def _label(name: str) -> str:
    try:
        field = Restaging._meta.get_field(name)
    except FieldDoesNotExist:  # a field of the case format that the records do not have
        return name.replace("_", " ").capitalize()
    return str(getattr(field, "verbose_name", name))


def _value_text(name: str, value: Any, entered: dict[str, Any] | None) -> tuple[str, str]:
    """(label, value in words with its unit) of one restaging value of the frozen case."""
    if name in units.FIELDS:
        unit = units.quantity_of(name).engine_unit
        label = _label(name).removesuffix(f" ({unit})")
        text = f"{_number(value)} {unit}"
        if entered and entered.get("unit") != unit:
            text = f"{numbers.shown(entered['value'])} {entered['unit']} as entered ({text})"
        return label, text
    if isinstance(value, bool):
        return _label(name), _yes_no(value)
    if name in CHOICE_WORDS:
        return _label(name), CHOICE_WORDS[name].get(value, str(value)).lower()
    if name == "heart_failure_nyha":
        return "Heart failure", "none" if value == 0 else f"NYHA class {value}"
    return _label(name), _number(value)


def restaging_values(case: CaseReview) -> tuple[list[Value], list[str]]:
    """The frozen restaging's recorded values (label and value with its unit, lab values also as entered),
    in the case format's order, and the labels of the values not recorded."""
    frozen = dict((case.case_json or {}).get("restaging") or {})
    for group in NESTED_GROUPS:
        frozen.update(frozen.pop(group, None) or {})
    entered = case.values_as_entered or {}
    recorded, missing = [], []
    for name, value in frozen.items():
        if name in NOT_A_VALUE:
            continue
        if name == "heart_failure_nyha" and value is None:
            # The case format has no "none": records of no heart failure (0) and of not known both freeze as null.
            recorded.append(Value("Heart failure", "none recorded"))
            continue
        if value is None or value == "":
            missing.append(_label(name))
            continue
        label, text = _value_text(name, value, entered.get(name))
        recorded.append(Value(label, text))
    return recorded, missing


def _finding(name: str, value: Any) -> str:
    if name == "del_1p32":
        return CHOICE_WORDS["del_1p32"].get(value, NOT_RECORDED).lower() if value else "not tested"
    if name == "del_17p_clonal_fraction_pct":
        return f"{_number(value)} %" if value is not None else "–"
    return {True: "positive", False: "negative"}.get(value, "not tested")


def cytogenetics(case: CaseReview) -> list[tuple[str, str, str]]:
    """(finding, at diagnosis, at this relapse) from the frozen case."""
    case_json = case.case_json or {}
    at_diagnosis = (case_json.get("diagnosis") or {}).get("cytogenetics") or {}
    at_relapse = (case_json.get("restaging") or {}).get("cytogenetics") or {}
    return [
        (_label(name), _finding(name, at_diagnosis.get(name)), _finding(name, at_relapse.get(name)))
        for name in CYTOGENETIC_FIELDS
    ]


def _drugs(drugs: list[Any] | None) -> str:
    """Drug names; a drug given on its own dates (an object in the case format) with them."""
    names = []
    for drug in drugs or []:
        if not isinstance(drug, dict):
            names.append(str(drug))
        elif "start_date" in drug or "end_date" in drug:
            end = drug["end_date"] or "ongoing" if "end_date" in drug else "the line's end"
            names.append(f"{drug.get('name')} ({drug.get('start_date') or 'from the line start'} to {end})")
        else:
            names.append(str(drug.get("name")))
    return ", ".join(names) or "drugs not recorded"


def _span(start: str | None, end: str | None, ongoing: str = "ongoing") -> str:
    return f"{start or 'start not recorded'} to {end or ongoing}"


def prior_lines(case: CaseReview) -> list[Line]:
    """Each prior line of the frozen case: drugs, dates, best response, progression (case-format.md)."""
    responses, stop_reasons = dict(Response.choices), dict(StopReason.choices)
    result = []
    for number, line in enumerate((case.case_json or {}).get("prior_lines") or [], start=1):
        extras = []
        transplant = line.get("transplant") or {}
        if transplant:
            kind = TRANSPLANT_WORDS.get(str(transplant.get("type")), "transplant")
            extras.append(f"{kind.capitalize()} on {transplant.get('date') or 'a date not recorded'}")
        maintenance = line.get("maintenance") or {}
        if maintenance:
            span = _span(maintenance.get("start_date"), maintenance.get("end_date"))
            extras.append(f"Maintenance: {_drugs(maintenance.get('drugs'))}, {span}")
        override = line.get("refractory_override") or {}
        for key, words in (("refractory", "refractory"), ("not_refractory", "not refractory")):
            if override.get(key):
                extras.append(
                    f"Clinician's override: {', '.join(override[key])} {words} (reason: {override.get('reason', '')})"
                )
        best = line.get("best_response")
        result.append(
            Line(
                number=number,
                regimen=str(line.get("regimen") or "regimen not named"),
                drugs=_drugs(line.get("drugs")),
                dates=_span(line.get("start_date"), line.get("end_date")),
                best_response=responses.get(best, best) if best else NOT_RECORDED,
                progression=line.get("progression_date") or "none recorded",
                stop_reason=stop_reasons.get(str(line.get("stop_reason")), "") if line.get("stop_reason") else "",
                extras=extras,
            )
        )
    return result


def _chair(file: CaseFile, decision: BoardDecision | None) -> User | None:
    """The chair of the meeting that decided (else of the latest meeting the case was on), read from the
    agenda already loaded with its chairs."""
    meetings = {item.meeting_id: item.meeting for item in file.agenda}
    meeting = meetings.get(decision.meeting_id) if decision and decision.meeting_id else None
    meeting = meeting or file.meeting
    if meeting is None and decision is not None and decision.meeting is not None:
        meeting = decision.meeting
    return meeting.chair if meeting is not None else None


def case_summary(file: CaseFile, *, printed_by: User | AnonymousUser, printed_at: datetime) -> dict:
    """The context of the case summary: the frozen case and recommendation, the decision in force with the
    decisions it amends, and who prints it when."""
    case = file.case
    values, not_recorded = restaging_values(case)
    decision = file.decision
    chair = _chair(file, decision)
    return {
        "case": case,
        "patient": case.patient,
        "frozen_patient": (case.case_json or {}).get("patient") or {},
        "diagnosis": (case.case_json or {}).get("diagnosis") or {},
        "restaging_date": ((case.case_json or {}).get("restaging") or {}).get("date"),
        "values": values,
        "not_recorded": not_recorded,
        "cytogenetics": cytogenetics(case),
        "lines": prior_lines(case),
        "result": case.result_json or {},
        "first_choice_name": first_choice_name(case.result_json or {}),
        "decision": decision,
        # Each decision the board replaced, with the reason its amendment gave.
        "earlier_decisions": [
            (earlier, later.amendment_reason)
            for earlier, later in zip(file.decisions, file.decisions[1:], strict=False)
        ],
        "meeting": file.meeting,
        "chair": person(chair) if chair else "",
        "printed_by": person(printed_by),
        "printed_at": printed_at,
    }


def first_choice_name(result: dict[str, Any]) -> str:
    """The saved first choice as "code (name)", or "" when no regimen was eligible."""
    code = result.get("first_choice")
    if not code:
        return ""
    for option in result.get("options") or []:
        if option.get("regimen") == code and option.get("name"):
            return f"{code} ({option['name']})"
    return str(code)


# --- the minutes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinutesCase:
    position: int
    case: CaseReview
    setting: str
    first_choice: str
    decision: BoardDecision | None
    decided_elsewhere: BoardMeeting | None  # the decision in force was recorded at another meeting


def minutes_cases(meeting: BoardMeeting, decisions: dict[int, BoardDecision]) -> list[MinutesCase]:
    """The meeting's agenda in order, each case with its saved first choice and the decision in force
    (`decisions`: case id -> decision in force, with its meeting loaded)."""
    from regimens.templatetags.catalog_tags import setting_words

    rows = []
    for position, item in enumerate(meeting.items.all(), start=1):
        case = item.case_review
        result = case.result_json or {}
        decision = decisions.get(case.pk)
        elsewhere = decision.meeting if decision and decision.meeting_id != meeting.pk else None
        rows.append(
            MinutesCase(
                position=position,
                case=case,
                setting=setting_words((result.get("classification") or {}).get("setting") or ""),
                first_choice=first_choice_name(result) or "none eligible",
                decision=decision,
                decided_elsewhere=elsewhere,
            )
        )
    return rows
