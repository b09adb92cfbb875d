"""Errors raised by the library; the CLI and the TUI render them at the edge."""

from __future__ import annotations


class ReviewError(Exception):
    """Base class for every error the library raises on purpose.

    Args:
        message: What went wrong, written for the person using the tool.
        title: A short heading for dialogs and notifications.
    """

    def __init__(self, message: str, title: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.title = title or type(self).__name__


class StoreError(ReviewError):
    """The project database cannot be opened, read or written."""


class IngestError(ReviewError):
    """A file or record cannot be imported."""


class NotEnoughLabels(ReviewError):
    """The model needs at least one decision of each label before it can rank."""


class ConfigError(ReviewError):
    """A project setting or a command-line option has a value we cannot use."""


class SimulationError(ReviewError):
    """A simulation cannot run on the given data."""
