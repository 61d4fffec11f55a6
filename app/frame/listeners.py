"""One way for a capability to announce a change to those below or beside it without importing them:
the capability holds a `Listeners`, another subscribes at install time (`add`), and the write calls
them inside its own transaction (`announce`), so what they write commits or rolls back with it."""
from collections.abc import Callable


class Listeners:
    def __init__(self) -> None:
        self._functions: list[Callable] = []

    def add(self, fn: Callable) -> None:
        """Subscribe `fn`; a second subscription of the same function is one (apps built twice in a process)."""
        if fn not in self._functions:
            self._functions.append(fn)

    def remove(self, fn: Callable) -> None:
        self._functions.remove(fn)

    def announce(self, *args, **kwargs) -> None:
        for fn in list(self._functions):
            fn(*args, **kwargs)
