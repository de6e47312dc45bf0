"""Write the catalog in the database as a catalog file, in the format load_catalog reads."""

from django.core.management.base import BaseCommand

from regimens.catalog import dump_document, export_document, latest_release


class Command(BaseCommand):
    help = "Export the regimen catalog (docs/catalog-format.md) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, format: str, output: str | None, **options):
        release = latest_release()
        text = dump_document(export_document(label=release.label if release else None), format)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Catalog written to {output}.")
        else:
            self.stdout.write(text, ending="")
