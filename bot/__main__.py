"""`python -m bot` is the `kulturlots` command."""

import sys

from bot.cli import main

sys.exit(main())
