"""Allow ``python -m bot`` as an alias of the ``lotse`` command."""

from bot.cli import main

raise SystemExit(main())
