"""pbyp import_csv FILE --school SCHOOL_SLUG [--publish]: a new framework from a CSV file (one row
per step; every ladder needs its 9 steps)."""

from pbyp.ladders.csvio import import_csv_file
from pbyp.ladders.management.commands import import_case


class Command(import_case.Command):
    help = "Import a framework from a CSV file (one row per step) into a school."
    what = "CSV file"

    def importer(self, **kwargs):
        return import_csv_file(**kwargs)
