"""One way for a capability to announce a change to those below or beside it without importing them:
the capability holds a `Listeners`, another subscribes at install time (`add`), and the write calls
them inside its own transaction (`announce`), so what they write commits or rolls back with it."""
from collections.abc import Callable


class Listeners:
    """One listener point; declared in app/frame/reactions.py with `doc`: when it fires, in which
    transaction, what a listener may write."""

    def __init__(self, doc: str = "") -> None:
        self.__doc__ = doc
        self._functions: list[Callable] = []
        self._many: dict[Callable, Callable] = {}

    def add(self, fn: Callable, many: Callable | None = None) -> None:
        """Subscribe `fn`; a second subscription of the same function is one (apps built twice in a process).
        `many`, when given, hears several changes written together at once (announce_many)."""
        if fn not in self._functions:
            self._functions.append(fn)
        if many is not None:
            self._many[fn] = many

    def remove(self, fn: Callable) -> None:
        self._functions.remove(fn)

    def announce(self, *args, **kwargs) -> None:
        for fn in list(self._functions):
            fn(*args, **kwargs)

    def answers(self, *args) -> list:
        """Each listener's answer to `args`, in subscription order (a page asking who holds a NIK, what
        to warn of): the same subscription, for a question instead of a change."""
        return [fn(*args) for fn in list(self._functions)]

    def announce_many(self, calls: list[tuple]) -> None:
        """Several changes written together, in order: a listener with a batch form hears them at once,
        the others one call at a time."""
        for fn in list(self._functions):
            many = self._many.get(fn)
            if many is not None:
                many(calls)
            else:
                for args in calls:
                    fn(*args)
