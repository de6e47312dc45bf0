"""Django's `loaddata`, without writing history rows for what it loads.

A restore (README, "Backup and restore") loads the history tables as they were dumped. Django saves the loaded
rows "raw", which django-simple-history skips, but it then sets their many-to-many fields (a meeting's attendees,
a label's drug classes), whose signal writes a new history row for each: a restored database would hold history
that never happened, dated the day of the restore. This command is found before Django's own (an app's command
wins over Django's), so `manage.py loaddata` and test fixtures both load without it.
"""

from django.core.management.commands import loaddata
from django.test.utils import override_settings


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            return super().handle(*fixture_labels, **options)
