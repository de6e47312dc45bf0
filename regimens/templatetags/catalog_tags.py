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
