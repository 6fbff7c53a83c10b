"""`python -m p88` is the `p88` command."""

from p88.cli import main

main()
