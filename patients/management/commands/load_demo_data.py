"""Demo users, one per role, and a handful of realistic demo patients, for trying the product locally.
Refuses to run on a production server."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from patients import services
from patients.demo import DEMO_PATIENTS
from patients.models import Patient, RestagingStatus

# username, password, first name, last name, group, staff?, superuser?
DEMO_USERS = [
    ("clinician", "demo-clinician-pass", "Clara", "Hughes", "clinician", False, False),
    ("board", "demo-board-pass", "Boris", "Lindqvist", "board member", False, False),
    ("editor", "demo-editor-pass", "Priya", "Raman", "catalog editor", True, False),
    ("admin", "demo-admin-pass", "Ada", "Okafor", None, True, True),
]


class Command(BaseCommand):
    help = "Create the demo users (one per role) and print their logins. Only with DEBUG on."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the logins")

    @transaction.atomic
    def handle(self, *args, quiet_logins: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is for development only: it refuses to run with DEBUG off.")
        User = get_user_model()
        for username, password, first, last, group, staff, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@demo.invalid"
            user.is_staff, user.is_superuser = staff, superuser
            user.set_password(password)
            user.save()
            if group:
                user.groups.set([Group.objects.get(name=group)])
        self._patients(User.objects.get(username="clinician"))
        self._care_teams(User.objects.get(username="clinician"), User.objects.get(username="board"))
        self._board(User.objects.get(username="clinician"), User.objects.get(username="board"))
        if not quiet_logins:
            self.stdout.write("Demo logins (development only):")
            for username, password, *_rest, group, _staff, superuser in DEMO_USERS:
                role = group or ("superuser" if superuser else "")
                self.stdout.write(f"  {role:<15} username {username:<10} password {password}")

    def _patients(self, clinician) -> None:
        """Each demo patient once (by MRN), with lines and a complete restaging, through the import service."""
        created = 0
        for mrn, name, case in DEMO_PATIENTS:
            if Patient.objects.filter(mrn=mrn).exists():
                continue
            try:
                services.case_import(case=case, by=clinician, mrn=mrn, name=name)
            except services.CaseImportError as exc:
                raise CommandError(f"Demo patient {mrn} is invalid: {exc}") from None
            created += 1
        self.stdout.write(f"Demo patients: {created} created, {len(DEMO_PATIENTS) - created} already present.")

    def _care_teams(self, clinician, board) -> None:
        """The demo clinician's clinical team with every demo patient, referring its cases to the demo tumour
        board, whose member is the demo board member (careteams.access: who sees which patient)."""
        from careteams.models import CareTeam, TeamKind

        tumour_board, _ = CareTeam.objects.get_or_create(name=DEMO_BOARD_TEAM, defaults={"kind": TeamKind.TUMOUR_BOARD})
        clinic, _ = CareTeam.objects.get_or_create(
            name=DEMO_CLINICAL_TEAM, defaults={"kind": TeamKind.CLINICAL, "refers_to": tumour_board}
        )
        tumour_board.members.add(board)
        clinic.members.add(clinician)
        clinic.patients.add(*Patient.objects.filter(mrn__in=[mrn for mrn, _, _ in DEMO_PATIENTS]))
        self.stdout.write(f"Demo care teams: {clinic} (refers to {tumour_board}).")

    def _board(self, clinician, board) -> None:
        """This morning's tumour board with three saved cases on its agenda, one already decided off the
        recommendation with its reason, so a new user sees a board at work. Once: kept when it exists."""
        from board import services as board_services
        from board.models import BoardMeeting

        if BoardMeeting.objects.filter(title=DEMO_MEETING_TITLE).exists():
            self.stdout.write("Demo tumour board: already present.")
            return
        cases = {}
        for mrn in DEMO_MEETING_CASES:
            patient = Patient.objects.get(mrn=mrn)
            restaging = patient.restagings.filter(status=RestagingStatus.COMPLETE).order_by("-date").first()
            cases[mrn] = services.case_review_save(patient=patient, restaging=restaging, by=clinician)[0]
        today = timezone.localdate()
        meeting = board_services.meeting_create(
            data={
                "title": DEMO_MEETING_TITLE,
                "starts_at": timezone.make_aware(dt.datetime.combine(today, dt.time(8, 0))),
                "location": "Haematology seminar room 2, or the hospital's video link",
                "chair": board,
                "attendees": [board, clinician],
                "guests": "Dr Sofia Marin (radiology)\nNadia Bauer (clinical pharmacist)",
            },
            by=clinician,
        )
        for case in cases.values():
            board_services.agenda_add(meeting=meeting, case=case, by=clinician)
        board_services.decision_record(
            case=cases[DEMO_DECIDED_CASE],
            data=board_services.DecisionInput(
                kind="palliative_care",
                off_reason="patient_preference",
                off_reason_text=(
                    "After hearing the options she declines intensive inpatient chemotherapy and further "
                    "lines; she chooses symptom-directed care close to home."
                ),
                rationale="Refer to the palliative care team; transfusion and analgesia support; review in 4 weeks.",
                attendees_present=(board, clinician),
                guests_present="Dr Sofia Marin (radiology)",
            ),
            by=board,
            meeting=meeting,
        )
        self.stdout.write(f"Demo tumour board: {meeting} with {len(cases)} cases, one decided.")


DEMO_MEETING_TITLE = "Myeloma tumour board (demo)"
DEMO_CLINICAL_TEAM = "Myeloma clinic (demo)"
DEMO_BOARD_TEAM = "Myeloma tumour board (demo)"
DEMO_MEETING_CASES = ["DEMO-0002", "DEMO-0006", "DEMO-0005"]
DEMO_DECIDED_CASE = "DEMO-0006"
