"""The ``jazzgen`` command line (``jazzgen.cli.app``) and what its commands share
(``jazzgen.cli.options``)."""

from jazzgen.cli.app import main

__all__ = ["main"]
