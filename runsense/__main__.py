"""``python -m runsense`` is the same as the ``runsense`` command."""

import sys

from runsense.cli import main

sys.exit(main())
