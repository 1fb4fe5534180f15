"""A clock the emulator tests move by hand, so lifecycle steps are deterministic."""


class FakeClock:
    """Monotonic seconds that advance only when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
