"""`python -m ballots tally|verify`: see `ballots.cli`."""

import sys

from ballots.cli import main

if __name__ == "__main__":
    sys.exit(main())
