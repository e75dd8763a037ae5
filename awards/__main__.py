import sys

from awards.cli import main

sys.exit(main())
