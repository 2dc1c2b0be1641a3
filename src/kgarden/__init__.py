"""kgarden: a knowledge garden for research literature."""

from kgarden.errors import KgardenError

__version__ = "0.1.0"

__all__ = ["KgardenError", "__version__"]
