"""The harness's own error: bad input or unusable files, reported as `error: ...` and exit 2."""


class HarnessError(ValueError):
    """A problem the user can fix; the message names the bad value and the valid choices."""
