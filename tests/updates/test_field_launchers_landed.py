"""Issue 94's office day (tests/updates/test_field_launchers.py, `office_day`) under the second half of the field
launchers (LANDED_LAUNCHERS: 6ce2a857's, the landed 0.3.2 and the last landed; in the last one's day the installed
programs of the landed 0.3.3 to 0.3.5, whose launchers are its, pass and enrol: TAKES_BACK_AS), in a file of its own:
the full tier hands a file to a worker (--dist loadfile), so the two halves of the office days run side by side. The
wheel and the field versions' filled offices are built once a run.

Real processes and pip: in the full tier only (soak)."""
import pytest

from tests.updates.test_field_launchers import LANDED_LAUNCHERS, center, office_day, small_disk, todays_wheel  # noqa: F401

pytestmark = pytest.mark.soak


@pytest.mark.parametrize("field", LANDED_LAUNCHERS)
def test_todays_release_under_a_landed_launcher_keeps_every_save_and_is_not_taken_back(field, tmp_path, todays_wheel,
                                                                                     small_disk, center):  # noqa: F811
    office_day(field, tmp_path, todays_wheel, small_disk, center)
