"""`python -m policysim.cli` runs the command line, as the console script does."""

from policysim.cli import main

main()
