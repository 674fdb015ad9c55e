"""Errors that the CLI, notebooks and batch runner turn into one clear line (never a traceback)."""


class GpuplanError(Exception):
    """Base class: str(error) is the one line shown to the user."""

    def _render_traceback_(self) -> list[str]:
        """IPython's hook for how an exception is shown: in a notebook (papermill, nbval, the book) a bad
        parameter shows as this one line instead of a stack of frames."""
        return [f"{type(self).__name__}: {self}"]


class InputError(GpuplanError, ValueError):
    """A bad parameter or option. `field` names it (e.g. '--price' or 'h100_usd_per_hour')."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


class DataError(GpuplanError):
    """A malformed data file: the message names file, line and column."""
