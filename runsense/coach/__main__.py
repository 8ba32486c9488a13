"""``python -m runsense.coach`` runs the coach commands (sessions, report, compare) on their own."""

import sys

from runsense.coach.cli import main

sys.exit(main())
