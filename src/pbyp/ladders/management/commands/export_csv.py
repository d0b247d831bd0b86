"""pbyp export_csv [SLUG] [--school SCHOOL_SLUG] [--draft]: a framework as CSV (one row per step)
on stdout."""

from pbyp.ladders.csvio import export_csv
from pbyp.ladders.management.commands import export_case


class Command(export_case.Command):
    help = "Write a framework to stdout as CSV, one row per step."
    ending = ""  # the CSV ends its own rows (CRLF)

    def render(self, version) -> str:
        return export_csv(version)
