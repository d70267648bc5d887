"""The harness's own error: bad input or unusable files, reported as `error: ...` and exit 2."""


class HarnessError(ValueError):
    """A problem the user can fix; the message names the bad value and the valid choices."""


class SuiteError(HarnessError):
    """A suite file with a mistake; the message names the file, the case and the field."""
