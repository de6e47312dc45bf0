"""Validate a catalog file and upsert it into the database; a new release only when something changed."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regimens.catalog import DEFAULT_CATALOG_FILE, CatalogFileError, read_document
from regimens.services import CatalogEditedError, catalog_load


class Command(BaseCommand):
    help = "Load a regimen catalog file (YAML or JSON, docs/catalog-format.md); the default catalog without FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_CATALOG_FILE), help="catalog file")
        parser.add_argument("--note", default="", help="why this catalog is loaded (kept on the release)")
        edits = parser.add_mutually_exclusive_group()
        edits.add_argument(
            "--force",
            action="store_true",
            help="load even when catalog editors changed the catalog in the admin since the last load "
            "(their edits that differ from the file are overwritten)",
        )
        edits.add_argument(
            "--keep-edits",
            action="store_true",
            help="when the catalog was edited in the admin since the last load, keep it and load nothing "
            "(exit 0; used by `make run` and deploy steps)",
        )

    def handle(self, *args, file: str, note: str, force: bool = False, keep_edits: bool = False, **options):
        path = Path(file)
        try:
            result = catalog_load(document=read_document(path), note=note or f"load_catalog {path.name}", force=force)
        except CatalogEditedError as exc:
            message = f"{path}: not loaded: {exc}."
            if keep_edits:
                self.stdout.write(f"{message} The catalog in the database is kept.")
                return
            raise CommandError(f"{message} Run again with --force to overwrite them.", returncode=2) from None
        except CatalogFileError as exc:
            for problem in exc.problems:
                # A problem with the file itself already names it.
                self.stderr.write(str(problem) if problem.place == str(path) else f"{path}: {problem}")
            raise CommandError(f"{len(exc.problems)} problem(s): nothing was loaded.", returncode=2) from None
        summary = (
            f"{len(result.created)} regimen(s) created, {len(result.updated)} updated, {result.unchanged} unchanged"
        )
        if result.release is None:
            self.stdout.write(f"Catalog unchanged ({summary}); no new release.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Catalog release {result.release.label}: {summary}."))
