import sys

from callscore.cli import main

sys.exit(main())
