"""Password hashing's memory (app/frame/passwords.py, app/frame/free_memory.py; issue 45)."""
from app.frame import free_memory, passwords


def test_freed_memory_goes_back_before_each_hash(monkeypatch):
    """A 32 MB scrypt hash on top of what the day's requests freed made the server's peak: the free
    pages go back first, inside the one-hash-at-a-time lock."""
    order = []
    monkeypatch.setattr(free_memory, "give_back", lambda: order.append("give back"))
    real = passwords.generate_password_hash
    monkeypatch.setattr(passwords, "generate_password_hash", lambda *a, **k: order.append("hash") or real(*a, **k))
    stored = passwords.hash_password("rahasia-kantor")
    assert order == ["give back", "hash"]
    assert passwords.verify_password(stored, "rahasia-kantor") and order[2:] == ["give back"]


def test_giving_back_is_harmless_wherever_it_runs():
    kept = [bytes(4096) for _ in range(1000)]
    del kept[::2]
    free_memory.give_back()  # glibc: malloc_trim(0); elsewhere nothing
    assert all(len(block) == 4096 for block in kept)
