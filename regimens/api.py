"""JSON API: `POST /api/v1/recommend[?pathway=CODE]` takes a case (myeloma-cds-case/1) and answers its
recommendation, on the catalog's active pathway unless another is named."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from regimens.casejson import TOO_LARGE, UnreadableCase, read_case_json
from regimens.models import ApiToken
from regimens.recommendations import UnknownPathway, recommend_case
from regimens.tokens import TokenRefused, token_user

PERMISSION = "regimens.run_recommendation"
# The body is read as every door reads a case (regimens/casejson.py): larger than 1 MB, not JSON, nested more than
# 32 levels or with an integer of thousands of digits is refused here; the engine names the field of any other
# bad value (NaN, Infinity, 1e300, a 309-digit integer: out of the field's range, regimens/engine/ranges.py).


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
    request.user = user  # the access log (patients.readlog) records the call under the token's user
    if not user.has_perm(PERMISSION):
        return _errors(403, ("", "Your role may not run recommendations."))
    try:
        data = read_case_json(request.body or b"null")
    except RequestDataTooBig:  # beyond Django's DATA_UPLOAD_MAX_MEMORY_SIZE: not even read
        return _errors(413, ("", f"The body is {TOO_LARGE}."))
    except UnreadableCase as exc:  # 413 when too large, as above; 400 for the rest
        return _errors(413 if exc.too_large else 400, ("", f"The body is {exc.message}."))
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
