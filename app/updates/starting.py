"""How a version's `run.py` is started, by the launcher (serve, its trial walk, a restore) and by the
walk before the switch: below both, and as light as the launcher (issue 80)."""
import sys
from pathlib import Path

# Beside a version installed with its whole lock (release.json's closure, app/updates/installing.py):
# that version runs isolated, with nothing of this Python's own packages (python_command).
OWN_PACKAGES = "paket-terkunci.json"


def python_command(root: Path) -> list[str]:
    """How the version in `root` is started: `python run.py`, or, when it holds its whole lock,
    `python -I -S run.py`: no site-packages, no PYTHON* variables, no user site; its run.py puts its own
    folder beside the standard library (an older launcher starts it plainly: its run.py then takes the
    Python's packages off the path itself). A version installed with the app wheel alone, as before."""
    script = str(Path(root) / "run.py")
    if (Path(root) / OWN_PACKAGES).is_file():
        return [sys.executable, "-I", "-S", script]
    return [sys.executable, script]
