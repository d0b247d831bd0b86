"""pbyp import_case FILE --school SCHOOL_SLUG [--publish]: a new framework from a CASE package.
Frameworks in PbyP's own shape can be published straight away; others arrive as drafts."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pbyp.ladders.case import MAX_BYTES, import_case_file
from pbyp.schools.models import School


class Command(BaseCommand):
    help = "Import a framework from a 1EdTech CASE package (JSON) into a school."
    what = "CASE package"

    def add_arguments(self, parser):
        parser.add_argument("file", help=f"the {self.what} to read")
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument(
            "--publish", action="store_true", help="publish it (complete frameworks only)"
        )

    def handle(self, *args, file, school, publish, **options):
        found = School.objects.filter(slug=school).first()
        if found is None:
            raise CommandError(f"No school with the slug “{school}”.")
        path = Path(file)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Can't read {path}: {error.strerror or error}.") from None
        try:
            version, report = self.importer(school=found, data=data, by=None, publish=publish)
        except ValidationError as error:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(f"- {m}" for m in error.messages)
            ) from None
        for line in report:
            self.stdout.write(f"- {line}")
        status = "published" if version.status == "published" else "a draft"
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported “{version.title}” into {found.name} as {status} "
                f"(framework {version.framework.slug}, identifier {version.framework.identifier})."
            )
        )

    def importer(self, **kwargs):
        return import_case_file(**kwargs)
