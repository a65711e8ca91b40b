"""Allow ``python -m jazzgen`` (named ``jazzgen`` in help and shell completion)."""

from jazzgen.cli import main

if __name__ == "__main__":
    main(prog_name="jazzgen")
