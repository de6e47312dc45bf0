"""`manage.py recommend CASE.json`: the recommendation for one case file, as JSON or as readable text."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from regimens.casejson import UnreadableCase, read_case_json
from regimens.catalog import CatalogFileError, read_document
from regimens.recommendations import UnknownPathway, recommend_case
from regimens.textreport import recommendation_text


class Command(BaseCommand):
    help = "Recommend regimens for a case file (myeloma-cds-case/1) with the catalog release in force."

    def add_arguments(self, parser):
        parser.add_argument("case", help="case file (JSON), or - for standard input")
        parser.add_argument(
            "--format", choices=["json", "text"], help="json (default when not printing to a terminal) or text"
        )
        parser.add_argument(
            "--catalog-file", help="use this catalog file instead of the release in force (e.g. to preview a draft)"
        )
        parser.add_argument("--pathway", help="follow this pathway of the catalog (its code) instead of the active one")

    def handle(
        self, *args, case: str, format: str | None, catalog_file: str | None, pathway: str | None = None, **options
    ):
        from regimens.engine import CaseFormatError, Catalog, CatalogError

        data = self._read_case(case)
        catalog = None
        if catalog_file:
            try:
                catalog = Catalog.from_dict(read_document(catalog_file), version=f"file:{Path(catalog_file).name}")
            except (CatalogFileError, CatalogError) as exc:
                raise CommandError(f"{catalog_file}: {exc}", returncode=2) from None
        try:
            result = recommend_case(data, catalog=catalog, pathway=pathway)
        except UnknownPathway as exc:
            raise CommandError(f"--pathway: {exc}", returncode=2) from None
        except CaseFormatError as exc:
            for error in exc.errors:
                self.stderr.write(f"{case}: {error.field}: {error.message}")
            raise CommandError(f"{len(exc.errors)} problem(s) in the case: no recommendation.", returncode=2) from None
        except LookupError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except DatabaseError as exc:
            raise CommandError(
                f"The database is not ready ({exc}): run `manage.py migrate` and `manage.py load_catalog`.",
                returncode=2,
            ) from None
        if (format or ("text" if sys.stdout.isatty() else "json")) == "text":
            self.stdout.write(recommendation_text(result), ending="")
        else:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False, sort_keys=False) + "\n", ending="")

    def _read_case(self, case: str) -> dict:
        try:
            raw = sys.stdin.buffer.read() if case == "-" else Path(case).read_bytes()
        except OSError as exc:
            raise CommandError(f"{case}: cannot be read ({exc.strerror})", returncode=2) from None
        try:  # as every door reads a case: too large, not UTF-8, not JSON, too deep, thousands of digits
            data = read_case_json(raw)
        except UnreadableCase as exc:
            raise CommandError(f"{case}: {exc.message}", returncode=2) from None
        if not isinstance(data, dict):
            raise CommandError(f"{case}: the case must be a JSON object", returncode=2)
        return data
