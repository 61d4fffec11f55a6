"""Console output in the log's one language and format (issue 92, finding 6): the center on Python 3.13 printed
an English traceback between its log lines ("Exception ignored in ... cheroot/makefile.py ... Bad file
descriptor"), Python's own words for an error raised while an object is collected."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What cheroot's buffered socket writer does when it is collected after the socket closed.
COLLECTED_ON_A_CLOSED_SOCKET = """
import logging, run
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
run._unraisable_into_the_log()

class Writer:
    def __del__(self):
        raise OSError(9, "Bad file descriptor: NIK 3501234567890123")

Writer()
print("masih berjalan", flush=True)
"""


def test_an_error_python_can_only_ignore_is_one_log_line_without_traceback_or_its_text():
    run = subprocess.run([sys.executable, "-c", COLLECTED_ON_A_CLOSED_SOCKET], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "masih berjalan\n"
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert "WARNING loket: Kesalahan yang tidak dapat ditangani diabaikan: OSError (errno 9) di <string>:" in lines[0]
    assert "Exception ignored" not in run.stderr and "Traceback" not in run.stderr
    assert "3501234567890123" not in run.stderr  # an exception's text may quote what a person typed


def test_every_program_installs_it_before_its_command_runs():
    """The hook is installed by run.main, which every program's command goes through."""
    probe = ("import sys, run\n"
             "sys.argv = ['run.py', '--help']\n"
             "try:\n    run.main()\nexcept SystemExit:\n    pass\n"
             "print(sys.unraisablehook.__qualname__)\n")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.stdout.strip().endswith("_unraisable_into_the_log.<locals>.into_the_log"), run.stdout[-500:] + run.stderr
