"""`python -m callscore.flows [--inbox DIR ...]`: the same as `callscore serve`."""
import sys

from callscore.cli import main

sys.exit(main(["serve", *sys.argv[1:]]))
