"""The emergency-access banner on the pages of a patient opened by breaking the glass."""

from __future__ import annotations

from typing import Any

from django import template

from careteams import access

register = template.Library()


@register.inclusion_tag("careteams/partials/emergency_banner.html", takes_context=True)
def emergency_banner(context: template.Context, patient: Any) -> dict[str, Any]:
    """One query on a patient's page (none for a superuser, who sees every patient anyway)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if patient is None or getattr(patient, "pk", None) is None or access.sees_everyone(user):
        return {"grant": None}
    return {"grant": access.emergency_access_of(user, patient)}
