"""User-facing errors: the CLI prints their message and exits non-zero, without a traceback."""


class UserError(Exception):
    """Something the user gave (a model, a file, an option) is wrong; the message says what."""
