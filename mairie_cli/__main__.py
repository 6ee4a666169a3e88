"""``python -m mairie_cli`` runs the ``mairie`` program."""

from mairie_cli.cli.app import main

if __name__ == "__main__":  # child processes (spawn) import this module without running it
    main()
