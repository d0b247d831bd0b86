"""pbyp export_case [SLUG] [--school SCHOOL_SLUG] [--draft]: a framework as CASE 1.1 JSON on
stdout. Without --school, the first school that has a framework with that slug."""

import json

from django.core.management.base import BaseCommand, CommandError

from pbyp.ladders.case import export_case, version_for_export
from pbyp.ladders.models import Framework

DEFAULT_SLUG = "pbyp-life-skills"


class Command(BaseCommand):
    help = "Write a framework to stdout as a 1EdTech CASE 1.1 package (JSON)."
    ending = "\n"

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", default=DEFAULT_SLUG, help="the framework's slug")
        parser.add_argument("--school", help="the school's slug (default: the first that has it)")
        parser.add_argument(
            "--draft", action="store_true", help="export the draft instead of the published version"
        )

    def handle(self, *args, slug, school, draft, **options):
        frameworks = Framework.objects.filter(slug=slug, school__isnull=False)
        if school:
            frameworks = frameworks.filter(school__slug=school)
        framework = frameworks.order_by("school_id").first()
        if framework is None:
            where = f"school “{school}”" if school else "any school"
            raise CommandError(f"No framework “{slug}” in {where}.")
        version = version_for_export(framework, draft=draft)
        if version is None:
            raise CommandError(f"The framework “{slug}” has no draft to export.")
        self.stdout.write(self.render(version), ending=self.ending)

    def render(self, version) -> str:
        return json.dumps(export_case(version), indent=2, ensure_ascii=False)
