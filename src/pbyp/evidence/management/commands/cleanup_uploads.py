"""Remove stored evidence files that no row points at (see services.uploads_cleanup). The
scheduler also does this every hour."""

from django.core.management.base import BaseCommand

from pbyp.evidence.services import uploads_cleanup


class Command(BaseCommand):
    help = "Delete evidence files left behind by interrupted uploads."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=60, help="Only files older than this.")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *, minutes, dry_run, **options):
        removed = uploads_cleanup(older_than_minutes=minutes, dry_run=dry_run)
        self.stdout.write(
            f"{'Would remove' if dry_run else 'Removed'} {removed} "
            f"stale file{'s' if removed != 1 else ''}."
        )
