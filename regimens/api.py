"""JSON API: `POST /api/v1/recommend[?pathway=CODE]` takes a case (myeloma-cds-case/1) and answers its
recommendation, on the catalog's active pathway unless another is named."""

import json

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from regimens.recommendations import UnknownPathway, recommend_case
from regimens.tokens import token_user

PERMISSION = "regimens.run_recommendation"


def _errors(status: int, *errors: tuple[str, str], **headers) -> JsonResponse:
    body = {"errors": [{"field": field, "message": message} for field, message in errors]}
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def _authenticate(request: HttpRequest):
    """(user, error response). A token needs no CSRF token; a browser session does."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        user = token_user(authorization)
        if user is None:
            return None, _errors(401, ("", "Invalid or revoked API token."), WWW_Authenticate="Token")
        return user, None
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

    user, error = _authenticate(request)
    if error is not None:
        return error
    if not user.has_perm(PERMISSION):
        return _errors(403, ("", "Your role may not run recommendations."))
    try:
        data = json.loads(request.body or b"null")
    except RequestDataTooBig:
        return _errors(413, ("", "The case is too large."))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
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
