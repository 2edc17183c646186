"""`python -m policysim` runs the command line."""

from policysim.cli import main

main()
