"""`python -m bot` runs the breachbot command."""

import sys

from bot.cli import main

sys.exit(main())
