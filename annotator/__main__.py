"""`python -m annotator` runs the console script."""

from annotator.cli import main

raise SystemExit(main())
