"""`python -m ohcheck` runs the CLI (the self-test and demo use this form)."""

from ohcheck.cli.app import main

if __name__ == "__main__":
    main()
