"""Errors that the CLI, notebooks and batch runner turn into one clear line (never a traceback)."""


class GpuplanError(Exception):
    """Base class: str(error) is the one line shown to the user."""


class InputError(GpuplanError, ValueError):
    """A bad parameter or option. `field` names it (e.g. '--price' or 'h100_usd_per_hour')."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


class DataError(GpuplanError):
    """A malformed data file: the message names file, line and column."""
