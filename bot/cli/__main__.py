"""`python -m bot.cli` runs the breachbot command."""

import sys

from bot.cli import main

sys.exit(main())
