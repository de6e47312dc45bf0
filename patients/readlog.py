"""Reads of patient data that no view logs itself: edit forms, line forms, wizard steps, meeting forms and
histories, the board's adherence report and its export, the admin's lists and histories.

`READS` names every such page by its URL name, with the action and the words the access-log row carries.
`AccessReadMiddleware` writes one row for each of them that answered 200 to a signed-in user (a refused,
missing or redirected page showed nothing). Pages that log themselves (the patient record, a restaging, a saved
case, the lists of patients and of saved cases, which log a row per record shown with the query, the access log
(which logs its own reading before it reads, so that the page and the export show it), the board's case
presentation, decision pages, agenda and PDFs, the admin's change forms) are not in the table; the
test `tests/integration/test_access_log_reads.py` walks every URL pattern and checks that each page showing
patient data writes its row one way or the other.

The middleware also records the client's address for the request, so that every row written while answering
it (by views, services or the admin) carries it (`patients.accesslog.client_address`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from patients import accesslog
from patients.models import AccessAction, AccessLog


def client_address_of(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or with AXES_PROXY_COUNT trusted proxies in front, the address
    the outermost of them saw (the same reading as the login lockout's)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:  # not an address (a test client's, a proxy's garbage): the row goes without one
        return None


# --- what each page logs ----------------------------------------------------------------------------------


def _query(request: HttpRequest, *names: str) -> str:
    """The query parameters that decide what a list shows, in the order named: `q="smith" sort=name page=2`."""
    parts = []
    for name in names:
        value = request.GET.get(name, "").strip()
        if value:
            parts.append(f'{name}="{value}"' if name == "q" else f"{name}={value}")
    return " ".join(parts)


# The query parameters of the lists that log themselves, row per record shown.
LIST_PARAMETERS = {
    "patient list": ("q", "sort", "page"),
    "board work list": ("q", "status", "meeting", "setting", "risk", "sort", "page"),
    "access log": ("user", "patient", "action", "date_from", "date_to", "page"),
    "access log CSV": ("user", "patient", "action", "date_from", "date_to"),
}


def list_detail(request: HttpRequest, what: str) -> str:
    """`patient list: q="smith" sort=name page=2`: what a list showed, for its access-log rows."""
    return accesslog.cut(_listed(what, *LIST_PARAMETERS[what])(request, {}))


def _listed(what: str, *names: str) -> Callable[[HttpRequest, dict], str]:
    def detail(request: HttpRequest, kwargs: dict) -> str:
        query = _query(request, *names)
        return f"{what}: {query}" if query else what

    return detail


def _words(template: str) -> Callable[[HttpRequest, dict], str]:
    return lambda request, kwargs: template.format(**kwargs)


def _pk_in_url(kwargs: dict) -> int | None:
    return int(kwargs["pk"])


def _admin_object(kwargs: dict) -> int | None:
    return int(kwargs["object_id"]) if str(kwargs.get("object_id", "")).isdigit() else None


def _patient_of(model_label: str, key: Callable[[dict], int | None]) -> Callable[[dict], int | None]:
    """The patient of the record (a model with a `patient` field) whose id `key` reads from the URL."""

    def patient(kwargs: dict) -> int | None:
        model = apps.get_model(model_label)  # by label: careteams builds on this app
        return model._default_manager.filter(pk=key(kwargs)).values_list("patient_id", flat=True).first()

    return patient


@dataclass(frozen=True)
class Read:
    action: str
    detail: Callable[[HttpRequest, dict], str]
    # What the page shows, from the URL's arguments: a patient, a saved case, a board meeting (ids), or none of
    # them for a page about many (its detail says which).
    patient: Callable[[dict], int | None] | None = None
    case: Callable[[dict], int | None] | None = None
    meeting: Callable[[dict], int | None] | None = None
    # Logged whatever the answer (an API call sent patient data even when it was refused), not only on 200.
    any_answer: bool = False


_ADMIN_LIST = ("q", "status", "action", "o", "p")
_ADHERENCE = ("date_from", "date_to")

READS: dict[str, Read] = {
    "patients:edit": Read(AccessAction.VIEW, _words("patient form"), _pk_in_url),
    "patients:line_create": Read(AccessAction.VIEW, _words("new line form"), _pk_in_url),
    "patients:line_edit": Read(AccessAction.VIEW, _words("line form (line record {line_pk})"), _pk_in_url),
    "patients:restaging_step": Read(
        AccessAction.VIEW, _words("restaging {restaging_pk}, wizard step {step}"), _pk_in_url
    ),
    "patients:restaging_correct": Read(
        AccessAction.VIEW, _words("correction form (restaging {restaging_pk})"), _pk_in_url
    ),
    "board:meetings": Read(AccessAction.LIST, _listed("board meetings", "page")),
    "board:meeting_edit": Read(AccessAction.VIEW, _words("meeting form"), meeting=_pk_in_url),
    "board:meeting_clone": Read(AccessAction.VIEW, _words("meeting copy form"), meeting=_pk_in_url),
    "board:meeting_history": Read(AccessAction.VIEW, _words("meeting history"), meeting=_pk_in_url),
    "board:case_submit": Read(
        AccessAction.VIEW, _words("submit form"), _patient_of("patients.CaseReview", _pk_in_url), _pk_in_url
    ),
    "board:case_withdraw": Read(
        AccessAction.VIEW, _words("withdraw form"), _patient_of("patients.CaseReview", _pk_in_url), _pk_in_url
    ),
    "api-recommend": Read(
        AccessAction.API, lambda request, kwargs: f"{request.method} {request.path}", any_answer=True
    ),
    "board:adherence": Read(AccessAction.LIST, _listed("board adherence", *_ADHERENCE)),
    "board:adherence_csv": Read(AccessAction.EXPORT, _listed("board adherence CSV", *_ADHERENCE)),
    "admin:patients_patient_changelist": Read(AccessAction.LIST, _listed("admin patient list", *_ADMIN_LIST)),
    "admin:patients_therapyline_changelist": Read(AccessAction.LIST, _listed("admin line list", *_ADMIN_LIST)),
    "admin:patients_restaging_changelist": Read(AccessAction.LIST, _listed("admin restaging list", *_ADMIN_LIST)),
    "admin:patients_casereview_changelist": Read(AccessAction.LIST, _listed("admin saved case list", *_ADMIN_LIST)),
    "admin:patients_accesslog_changelist": Read(AccessAction.LIST, _listed("admin access log", *_ADMIN_LIST)),
    "admin:board_boardmeeting_changelist": Read(AccessAction.LIST, _listed("admin meeting list", *_ADMIN_LIST)),
    "admin:board_agendaitem_changelist": Read(AccessAction.LIST, _listed("admin agenda list", *_ADMIN_LIST)),
    "admin:board_boarddecision_changelist": Read(AccessAction.LIST, _listed("admin decision list", *_ADMIN_LIST)),
    "admin:patients_patient_history": Read(AccessAction.VIEW, _words("admin history"), _admin_object),
    "admin:patients_therapyline_history": Read(
        AccessAction.VIEW, _words("admin line history"), _patient_of("patients.TherapyLine", _admin_object)
    ),
    "admin:patients_restaging_history": Read(
        AccessAction.VIEW, _words("admin restaging history"), _patient_of("patients.Restaging", _admin_object)
    ),
    "admin:patients_accesslog_change": Read(
        AccessAction.VIEW, _words("admin access log row {object_id}"), _patient_of("patients.AccessLog", _admin_object)
    ),
    "admin:patients_accesslog_history": Read(
        AccessAction.VIEW,
        _words("admin access log row {object_id}, history"),
        _patient_of("patients.AccessLog", _admin_object),
    ),
    "careteams:emergency_access_list": Read(AccessAction.LIST, _listed("emergency accesses", "page")),
    "admin:careteams_careteam_changelist": Read(AccessAction.LIST, _listed("admin care team list", *_ADMIN_LIST)),
    # The care team form offers every patient to choose from; the delete page lists the team's patients.
    "admin:careteams_careteam_add": Read(AccessAction.LIST, _words("admin new care team form")),
    "admin:careteams_careteam_delete": Read(AccessAction.VIEW, _words("admin care team {object_id}, delete form")),
    "admin:careteams_careteam_change": Read(AccessAction.VIEW, _words("admin care team {object_id}")),
    "admin:careteams_careteam_history": Read(AccessAction.VIEW, _words("admin care team {object_id}, history")),
    # simple-history's version page takes its ids as positional arguments: the path says which.
    "admin:careteams_careteam_simple_history": Read(
        AccessAction.VIEW, lambda request, kwargs: f"admin care team version {request.path}"
    ),
    "admin:careteams_emergencyaccess_changelist": Read(
        AccessAction.LIST, _listed("admin emergency access list", *_ADMIN_LIST)
    ),
    "admin:careteams_emergencyaccess_change": Read(
        AccessAction.VIEW,
        _words("admin emergency access {object_id}"),
        _patient_of("careteams.EmergencyAccess", _admin_object),
    ),
    "admin:careteams_emergencyaccess_history": Read(
        AccessAction.VIEW,
        _words("admin emergency access {object_id}, history"),
        _patient_of("careteams.EmergencyAccess", _admin_object),
    ),
    "admin:patients_casereview_history": Read(
        AccessAction.VIEW,
        _words("admin saved case history"),
        _patient_of("patients.CaseReview", _admin_object),
        _admin_object,
    ),
    "admin:board_boardmeeting_history": Read(AccessAction.VIEW, _words("admin meeting history"), meeting=_admin_object),
    "admin:board_agendaitem_history": Read(AccessAction.VIEW, _words("admin agenda history (item {object_id})")),
    "admin:board_boarddecision_history": Read(
        AccessAction.VIEW, _words("admin decision history (decision {object_id})")
    ),
}


class AccessReadMiddleware:
    """Holds the client's address while a request is answered, and logs the reads `READS` names."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with accesslog.client_address(client_address_of(request)):
            response = self.get_response(request)
            self._log(request, response)
            return response

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponseBase) -> None:
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated:
            return
        read = READS.get(match.view_name)
        if read is None or (response.status_code != 200 and not read.any_answer):
            return
        kwargs = match.kwargs
        answered = f", answered {response.status_code}" if read.any_answer else ""
        row = AccessLog(
            user_id=user.pk,
            action=read.action,
            patient_id=read.patient(kwargs) if read.patient is not None else None,
            case_review_id=read.case(kwargs) if read.case is not None else None,
            meeting_id=read.meeting(kwargs) if read.meeting is not None else None,
            detail=accesslog.cut(read.detail(request, kwargs) + answered),
            client_address=accesslog.current_client_address(),
        )
        accesslog.append([row])
