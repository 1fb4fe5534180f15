"""Domain errors the deployment services raise; views turn them into messages."""


class DeploymentError(Exception):
    """Something the user asked for cannot be done; `message` says what and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuotaExceeded(DeploymentError):
    """A quota would be exceeded; the message names the limit and the current usage."""

    def __init__(self, message: str, *, limit: str, allowed: int, used: int, requested: int):
        super().__init__(message)
        self.limit = limit
        self.allowed = allowed
        self.used = used
        self.requested = requested


class InvalidTransition(DeploymentError):
    """A state change the state machine does not allow."""


class NotDeletable(DeploymentError):
    """The deployment is already being deleted or gone."""
