"""Demo users, one per role, for trying the product locally. Refuses to run on a production server."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
        if not quiet_logins:
            self.stdout.write("Demo logins (development only):")
            for username, password, *_rest, group, _staff, superuser in DEMO_USERS:
                role = group or ("superuser" if superuser else "")
                self.stdout.write(f"  {role:<15} username {username:<10} password {password}")
