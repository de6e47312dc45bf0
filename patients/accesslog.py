"""The access log's hash chain: the one way a row gets into the log, and the check that none was changed since.

Each row stores the hash of the row before it (`previous_hash`) and its own `row_hash`: SHA-256 over that
previous hash and the row's fields in a fixed canonical form (`canonical`). Editing a row, deleting one from
the middle or slipping one in breaks the chain at that row, and `verify` (the `verify_access_log` command)
names it. The chain is not keyed: someone who can rewrite the whole table can recompute it, and removing the
newest rows leaves a shorter chain that is still intact; the database's triggers (PostgreSQL) refuse UPDATE
and DELETE on the table for everyone else.

`append` takes a lock so that two writers cannot both chain onto the same last row, and writes any number of
rows in two queries (lock and read the last hash, one INSERT).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import validate_ipv46_address
from django.db import connection, transaction
from django.utils import timezone

from patients.models import APPEND_ONLY, AccessLog, AppendOnlyError, CaseReview, Patient

if TYPE_CHECKING:
    from board.models import BoardMeeting

# The hash a chain's first row takes as the one before it.
GENESIS = "0" * 64
# The chain's pg_advisory_xact_lock key, written into the migration's patients_accesslog_head() ("accesslg").
CHAIN_LOCK = 7017561931753155687
# A row's detail is cut to the column's length (a long search query keeps its start).
DETAIL_LENGTH = AccessLog._meta.get_field("detail").max_length or 300

# --- hashing ------------------------------------------------------------------------------------------------


def canonical(row: AccessLog) -> bytes:
    """The row's own fields, named and ordered the same way forever: keys sorted, no spaces, times in UTC."""
    fields = {
        "action": str(row.action),
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "case_review": row.case_review_id,
        "client_address": row.client_address,
        "meeting": row.meeting_id,
        "patient": row.patient_id,
        "user": row.user_id,
    }
    if row.detail:  # a later column: rows without it keep the form, and the hash, they were written with
        fields["detail"] = row.detail
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def row_hash(previous_hash: str, row: AccessLog) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(row)).hexdigest()


# --- writing --------------------------------------------------------------------------------------------------

# The address of the client whose request is being answered (set by patients.readlog.AccessReadMiddleware):
# rows written without an address of their own, by views, services or the admin, carry it.
_client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


@contextmanager
def client_address(address: str | None) -> Iterator[None]:
    token = _client_address.set(address)
    try:
        yield
    finally:
        _client_address.reset(token)


def current_client_address() -> str | None:
    """The address of the client being answered, or None outside a request (commands, tests)."""
    return _client_address.get()


def cut(detail: str) -> str:
    """A detail fitted to the column (a long search query keeps its start), without control characters: a query
    typed with a NUL byte is still logged (PostgreSQL's text refuses NUL)."""
    detail = "".join(ch if ch.isprintable() else " " for ch in detail)
    return detail if len(detail) <= DETAIL_LENGTH else detail[: DETAIL_LENGTH - 1] + "…"


def _chain_end() -> str:
    """The last row's hash, the chain held by this transaction until it ends: on PostgreSQL one query (the
    migration's `patients_accesslog_head()` takes the advisory lock, then reads). SQLite lets one connection
    write at a time anyway: a second writer gets "database is locked", never a fork."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT patients_accesslog_head()")
            return cursor.fetchone()[0] or GENESIS
    return AccessLog._base_manager.order_by("-id").values_list("row_hash", flat=True).first() or GENESIS


def _normalised_address(value: str | None) -> str | None:
    """Normalised as the column stores it, so that the hash is taken over the stored value."""
    if value in (None, ""):
        return None
    validate_ipv46_address(value)
    return AccessLog._meta.get_field("client_address").get_prep_value(value)


def append(rows: Sequence[AccessLog]) -> list[AccessLog]:
    """Chain the new rows onto the log in their order and insert them: two queries for any number of rows."""
    rows = list(rows)
    if not rows:
        return rows
    for row in rows:
        if not row._state.adding or row.pk is not None:
            raise AppendOnlyError(APPEND_ONLY)
        if row.client_address in (None, ""):
            row.client_address = current_client_address()
        row.client_address = _normalised_address(row.client_address)
        if row.at is None:
            row.at = timezone.now()
    with transaction.atomic(savepoint=False):
        previous = _chain_end()
        for row in rows:
            row.previous_hash = previous
            row.row_hash = previous = row_hash(previous, row)
        # The base manager's bulk_create: `AccessLog.objects` sends its writes here.
        return AccessLog._base_manager.bulk_create(rows)


def record(
    *,
    user: AbstractBaseUser,
    action: str,
    patient: Patient | None = None,
    case_review: CaseReview | None = None,
    meeting: BoardMeeting | None = None,
    client_address: str | None = None,
    detail: str = "",
) -> AccessLog:
    """One row: who did `action` to which patient, saved case or board meeting, from which address (a saved
    case's row names its patient too). Raises ValidationError for a client address that is not an IP address."""
    row = entry(
        user=user,
        action=action,
        patient=patient,
        case_review=case_review,
        meeting=meeting,
        client_address=client_address,
        detail=detail,
    )
    return append([row])[0]


def entry(
    *,
    user: AbstractBaseUser,
    action: str,
    patient: Patient | None = None,
    case_review: CaseReview | None = None,
    meeting: BoardMeeting | None = None,
    client_address: str | None = None,
    detail: str = "",
) -> AccessLog:
    """A row not yet written, for `append` (several rows in one call)."""
    patient_id = patient.pk if patient is not None else case_review.patient_id if case_review is not None else None
    return AccessLog(
        user_id=user.pk,
        action=action,
        patient_id=patient_id,
        case_review=case_review,
        meeting=meeting,
        client_address=client_address,
        detail=cut(detail),
    )


# --- checking -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first row where the chain does not hold, and why."""

    row_id: int
    reason: str


def verify(rows: Iterable[AccessLog]) -> tuple[int, Break | None]:
    """Walk the rows in the order they were written (by id); returns how many were read and the first break."""
    previous, count = GENESIS, 0
    for row in rows:
        count += 1
        if row.previous_hash != previous:
            return count, Break(row.pk, "it does not follow the row before it (a row was deleted or inserted)")
        if row.row_hash != row_hash(previous, row):
            return count, Break(row.pk, "its fields do not match its hash (the row was changed)")
        previous = row.row_hash
    return count, None
