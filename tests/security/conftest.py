"""Fixtures for the at-rest tests: an office with a registered applicant (NIK, name, photo)."""
import pytest

from tests.registration.conftest import client_as, loket, office  # noqa: F401
from tests.support.factory import applicant_form, photo_jpeg

APPLICANT = applicant_form(nik="3508071205900001", full_name="Sulastri Wahyuningsih")


@pytest.fixture
def registered(loket):
    """One application saved through the counter form, with its photo."""
    import io
    from app.registration.models import Application, ApplicationPhoto
    form = dict(APPLICANT, photo=(io.BytesIO(photo_jpeg()), "foto.jpg"))
    response = loket.post("/pendaftaran/baru", data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    application = Application.select().order_by(Application.id.desc()).first()
    assert ApplicationPhoto.get(ApplicationPhoto.application == application).jpeg.startswith(JPEG_MARKER)
    return application


# The start of every JPEG Pillow writes (SOI + JFIF APP0): 11 bytes, so chance hits in ciphertext
# are impossible in practice (a bare 3-byte SOI would turn up by chance in a megabyte of noise).
JPEG_MARKER = b"\xff\xd8\xff\xe0\x00\x10JFIF"
