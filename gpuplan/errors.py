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


class InputErrors(InputError):
    """Several bad parameters found at once (an edition's YAML checked before anything runs): ``errors`` holds one
    InputError per problem and ``str(err)`` is one line per problem. ``field`` is the first problem's."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        self.field = self.errors[0].field
        Exception.__init__(self, "\n".join(str(err) for err in self.errors))

    def _render_traceback_(self) -> list[str]:
        return [f"{type(err).__name__}: {err}" for err in self.errors]


def raise_all(errors: list[InputError]) -> None:
    """Raise nothing for no problem, the InputError itself for one, :class:`InputErrors` for several (repeated
    lines once)."""
    unique = list({str(err): err for err in errors}.values())
    if len(unique) == 1:
        raise unique[0]
    if unique:
        raise InputErrors(unique)
