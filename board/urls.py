"""Pages of the tumour board, under /board/. Each view module declares its own routes."""

from board.views import adherence, audit, cases, meetings, pdfs, worklist

app_name = "board"

urlpatterns = [
    *worklist.urlpatterns,
    *meetings.urlpatterns,
    *cases.urlpatterns,
    *pdfs.urlpatterns,
    *adherence.urlpatterns,
    *audit.urlpatterns,
]
