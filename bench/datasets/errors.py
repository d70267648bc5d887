"""The dataset error: every problem a user can fix in a dataset request or its files."""

from ..errors import HarnessError


class DatasetError(HarnessError):
    """A dataset cannot be made as asked; the message names the value and what would work."""
