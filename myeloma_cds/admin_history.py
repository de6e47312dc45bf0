"""The admin's history pages, with an object id checked before django-simple-history reads it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history page answers 404 for an id that is not one (simple-history's own view
    converts it unchecked, a server error for `/admin/<model>/abc/history/`)."""

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            self.model._meta.pk.to_python(object_id)
        except ValidationError:
            raise Http404("No such record.") from None
        return super().history_view(request, object_id, extra_context)
