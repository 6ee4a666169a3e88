"""``python -m mairie_cli`` runs the ``mairie`` program."""

from mairie_cli.cli.app import main

main()
