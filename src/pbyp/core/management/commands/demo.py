from django.core.management import call_command
from django.core.management.base import BaseCommand

from pbyp.schools.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Set up the demo school (once), then serve PbyP with its worker and scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up the demo, don't serve.")

    def handle(self, *, port, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if seed_demo():
            self.stdout.write("Created the demo school, Oakfield Academy.")
        else:
            self.stdout.write("The demo school is already set up.")
        self.stdout.write(
            "Sign in as learner, peer, peer2, tutor, manager, parent or operator, "
            f"password: {DEMO_PASSWORD}"
        )
        if not no_serve:
            call_command("serve", port=port)
