"""Allow ``python -m jazzgen``."""

from jazzgen.cli import main

if __name__ == "__main__":
    main()
