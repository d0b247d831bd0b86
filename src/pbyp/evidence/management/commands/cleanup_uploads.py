"""Remove stored evidence files that no row points at (left by a crash between writing a file
and committing its submission). Only files older than --minutes are touched, so uploads in
flight are never removed."""

import time

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from pbyp.evidence.models import EvidenceFile
from pbyp.evidence.services import UPLOAD_DIR


class Command(BaseCommand):
    help = "Delete evidence files left behind by interrupted uploads."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=60, help="Only files older than this.")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *, minutes, dry_run, **options):
        removed = 0
        cutoff = time.time() - minutes * 60
        if not default_storage.exists(UPLOAD_DIR):
            self.stdout.write("Removed 0 stale files.")
            return
        school_dirs, _ = default_storage.listdir(UPLOAD_DIR)
        for school_dir in school_dirs:
            base = f"{UPLOAD_DIR}/{school_dir}"
            _, names = default_storage.listdir(base)
            paths = [f"{base}/{name}" for name in names]
            known = set(EvidenceFile.objects.filter(path__in=paths).values_list("path", flat=True))
            known |= set(
                EvidenceFile.objects.filter(thumbnail_path__in=paths).values_list(
                    "thumbnail_path", flat=True
                )
            )
            for path in paths:
                if path in known or default_storage.get_modified_time(path).timestamp() > cutoff:
                    continue
                removed += 1
                if not dry_run:
                    default_storage.delete(path)
        self.stdout.write(
            f"{'Would remove' if dry_run else 'Removed'} {removed} "
            f"stale file{'s' if removed != 1 else ''}."
        )
