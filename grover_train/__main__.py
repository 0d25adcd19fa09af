"""``python -m grover_train`` runs the command-line tool."""

from grover_train.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
