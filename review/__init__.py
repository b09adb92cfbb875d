"""review: technology-assisted review in the terminal."""

__version__ = "0.1.0"
