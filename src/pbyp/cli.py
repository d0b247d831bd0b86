"""The `pbyp` command: Django's management commands with PbyP's settings.

pbyp demo       migrate, create the demo school, then serve it
pbyp serve      web server + background worker + scheduler, together
pbyp migrate    (and every other Django command)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbyp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pbyp", *sys.argv[1:]])


if __name__ == "__main__":
    main()
