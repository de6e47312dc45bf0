"""Validate a catalog file and upsert it into the database; a new release only when something changed."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regimens.catalog import DEFAULT_CATALOG_FILE, CatalogFileError, read_document
from regimens.services import catalog_load


class Command(BaseCommand):
    help = "Load a regimen catalog file (YAML or JSON, docs/catalog-format.md); the default catalog without FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_CATALOG_FILE), help="catalog file")
        parser.add_argument("--note", default="", help="why this catalog is loaded (kept on the release)")

    def handle(self, *args, file: str, note: str, **options):
        path = Path(file)
        try:
            result = catalog_load(document=read_document(path), note=note or f"load_catalog {path.name}")
        except CatalogFileError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(f"{len(exc.problems)} problem(s): nothing was loaded.", returncode=2) from None
        summary = (
            f"{len(result.created)} regimen(s) created, {len(result.updated)} updated, {result.unchanged} unchanged"
        )
        if result.release is None:
            self.stdout.write(f"Catalog unchanged ({summary}); no new release.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Catalog release {result.release.label}: {summary}."))
