"""Store a case file (`myeloma-cds-case/1`) as a patient with its lines of therapy and a complete restaging."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from careteams import services as care_teams
from careteams.models import CareTeam, TeamKind
from patients import services
from regimens.casejson import UnreadableCase, read_case_json


class Command(BaseCommand):
    help = (
        "Import a case file as a patient, its lines and a complete restaging. Exit 2 with one line per problem "
        "(with its field path) when the file is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("case_file", help="path to the case JSON file, or - for standard input")
        parser.add_argument("--mrn", help="MRN of the new patient (default: IMPORT-<date>-<n>)")
        parser.add_argument("--name", help='name of the new patient (default: "Imported case <n>")')
        parser.add_argument("--user", help="username recorded as the importer (and in the access log)")
        parser.add_argument(
            "--team",
            help="clinical care team the patient joins (default: the importer's, when they are in exactly one)",
        )

    def handle(self, *args, case_file: str, mrn=None, name=None, user=None, team=None, **options):
        importer = None
        if user:
            try:
                importer = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
        care_team = self._team(team, importer)
        try:
            raw = sys.stdin.buffer.read() if case_file == "-" else Path(case_file).read_bytes()
        except OSError as exc:
            self._fail([(case_file, f"cannot be read ({exc})")])
        try:  # as every door reads a case: too large, not UTF-8, not JSON, too deep, thousands of digits
            case = read_case_json(raw)
        except UnreadableCase as exc:
            self._fail([("(root)", exc.message)])
        try:
            with transaction.atomic():
                patient, restaging = services.case_import(case=case, by=importer, mrn=mrn, name=name)
                if care_team is not None:
                    care_teams.patient_join(patient=patient, team=care_team)
        except services.CaseImportError as exc:
            self._fail(exc.errors)
        except LookupError as exc:  # no catalog loaded yet
            self._fail([("(catalog)", str(exc))])
        self.stdout.write(
            f"Imported {patient.name} (MRN {patient.mrn}, patient {patient.pk}): "
            f"{patient.lines.count()} line(s), restaging of {restaging.date.isoformat()} ({restaging.pk})."
        )
        if care_team is None:
            self.stderr.write(
                "The patient is in no care team: only superusers see it until staff add it to one (or use --team)."
            )
        else:
            self.stdout.write(f"The patient joined the care team {care_team.name}.")

    @staticmethod
    def _team(name: str | None, importer):
        """The clinical team named, or the importer's only one; None when neither applies."""
        if name:
            try:
                return CareTeam.objects.get(name=name, kind=TeamKind.CLINICAL)
            except CareTeam.DoesNotExist:
                raise CommandError(f"No clinical care team {name!r}.") from None
        if importer is not None:
            own = list(CareTeam.objects.filter(kind=TeamKind.CLINICAL, members=importer)[:2])
            if len(own) == 1:
                return own[0]
        return None

    def _fail(self, errors):
        for field, message in errors:
            self.stderr.write(f"{field}: {message}")
        raise SystemExit(2)
