"""Walk the access log's hash chain and say whether it is intact (exit 0) or where it breaks (exit 1)."""

from django.core.management.base import BaseCommand, CommandError

from patients import accesslog
from patients.models import AccessLog


class Command(BaseCommand):
    help = (
        "Check the access log's hash chain: prints 'N rows, chain intact' (exit 0), or the first row that was "
        "changed, inserted or follows a deleted row (exit 1)."
    )

    def handle(self, *args, **options):
        rows = AccessLog._base_manager.order_by("id").iterator(chunk_size=2000)
        count, broken = accesslog.verify(rows)
        if broken is None:
            self.stdout.write(f"{count} rows, chain intact")
            return
        raise CommandError(f"Access log row {broken.row_id} breaks the chain: {broken.reason}.", returncode=1)
