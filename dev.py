#!/usr/bin/env python3
"""The README's two Quick-start commands, for a fresh machine with Python 3.11+.

    python3 dev.py demo     install into .venv, then set up and serve the demo school
    python3 dev.py test     install into .venv, then run the whole test suite
                            (extra arguments go to pytest)

Installing is skipped when pyproject.toml has not changed since the last install.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_installed() -> None:
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("Creating a virtual environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".pbyp-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print("Installing PbyP and its dependencies …", flush=True)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"],
        check=True,
    )
    stamp.write_text(wanted)


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before anything is installed
        sys.exit("PbyP needs Python 3.11 or newer.")
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        sys.exit(__doc__)
    ensure_installed()
    command, rest = sys.argv[1], sys.argv[2:]
    os.chdir(ROOT)
    if command == "demo":
        os.execv(str(BIN / "pbyp"), [str(BIN / "pbyp"), "demo", *rest])  # noqa: S606
    os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "pytest", *rest])  # noqa: S606


if __name__ == "__main__":
    main()
