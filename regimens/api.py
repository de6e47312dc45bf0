"""JSON API: `POST /api/v1/recommend[?pathway=CODE]` takes a case (myeloma-cds-case/1) and answers its
recommendation, on the catalog's active pathway unless another is named."""

import json
import math

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from regimens.models import ApiToken
from regimens.recommendations import UnknownPathway, recommend_case
from regimens.tokens import TokenRefused, token_user

PERMISSION = "regimens.run_recommendation"
# A case is a few levels deep and its numbers are clinical values: anything far beyond is refused as a 400
# before it reaches the engine (a 309-digit integer overflows a float; 2,000 nested arrays exhaust recursion).
MAX_INTEGER_DIGITS = 100
MAX_DEPTH = 32


class _Refused(ValueError):
    """A JSON body that parses but that no case can be."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused(f"the integer {text[:12]}... has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:24]} is out of range")
    return value


def _parse_constant(name: str) -> float:
    raise _Refused(f"{name} is not a number")


def _depth(data: object) -> int:
    """How deeply lists and objects nest (iteratively, so a deep body cannot exhaust recursion here)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            stack.extend((item, level + 1) for item in value)
    return deepest


def _load(body: bytes):
    """The JSON body; raises ValueError with a readable message for anything that is not a plain JSON case."""
    try:
        data = json.loads(body, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except RecursionError:
        raise _Refused("it is nested too deeply") from None
    if _depth(data) > MAX_DEPTH:
        raise _Refused(f"it is nested more than {MAX_DEPTH} levels deep")
    return data


def _errors(status: int, *errors: tuple[str, str], **headers) -> JsonResponse:
    body = {"errors": [{"field": field, "message": message} for field, message in errors]}
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def _authenticate(request: HttpRequest, *, scope: str):
    """(user, error response). A token needs no CSRF token and must hold `scope`; a browser session needs CSRF."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        try:
            return token_user(authorization, scope=scope), None
        except TokenRefused as refused:  # unknown, revoked, expired or out of scope: the message says which
            return None, _errors(401, ("", refused.message), WWW_Authenticate="Token")
    if not request.user.is_authenticated:
        return None, _errors(401, ("", "Log in, or send 'Authorization: Token <key>'."), WWW_Authenticate="Token")
    rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
    if rejected is not None:
        return None, _errors(403, ("", "CSRF check failed: send the X-CSRFToken header with a session."))
    return request.user, None


@csrf_exempt  # checked in _authenticate for session use; token use carries no cookies
@login_not_required  # answers 401 in JSON instead of redirecting to the login page
@require_POST
def recommend(request: HttpRequest) -> JsonResponse:
    from regimens.engine import CaseFormatError

    user, error = _authenticate(request, scope=ApiToken.Scope.RECOMMEND)
    if error is not None:
        return error
    if not user.has_perm(PERMISSION):
        return _errors(403, ("", "Your role may not run recommendations."))
    try:
        data = _load(request.body or b"null")
    except RequestDataTooBig:
        return _errors(413, ("", "The case is too large."))
    except _Refused as exc:
        return _errors(400, ("", f"The body is refused: {exc}."))
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer beyond Python's digit limit
        return _errors(400, ("", f"The body is not valid JSON ({exc})."))
    if not isinstance(data, dict):
        return _errors(400, ("", "The body must be a JSON object (myeloma-cds-case/1)."))
    pathway = request.GET.get("pathway") or None
    try:
        return JsonResponse(recommend_case(data, pathway=pathway), json_dumps_params={"ensure_ascii": False})
    except UnknownPathway as exc:
        return _errors(400, ("pathway", str(exc)))
    except CaseFormatError as exc:
        return _errors(400, *((e.field, e.message) for e in exc.errors))
    except LookupError as exc:
        return _errors(503, ("", str(exc)))
