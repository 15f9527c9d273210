"""`python -m nfvo` is the `nfvo` command."""

from nfvo.cli import main

main()
