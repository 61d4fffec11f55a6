"""Issue 61, finding 7: the center's USB import said "sudah pernah diimpor" of a file it never saw
when its applications had arrived in other files (an office exports its unanswered applications again
after a lost stick) or by sync. Now only a file read before is called so; a new file with nothing new
says where its applications had come from. Real kecamatan app, real center (SQLite and PostgreSQL)."""
import io

from sync.center.models import ReceivedApplication, UsbBatchFile
from sync.client import usb_files
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_edges_of_a_real_office import enrolled_installation, fill, run, sync


def _import(center_app, operator, name, content) -> str:
    answer = client_as(center_app, operator).post("/impor", data={"batch": (io.BytesIO(content), name)},
                                                  content_type="multipart/form-data",
                                                  headers={"X-Loket-Upload": "satu"})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_only_a_file_read_before_is_said_to_be_imported_again(tmp_path, center_app, center_db, enrolled,
                                                               operators):  # noqa: F811
    kecamatan, _ = enrolled
    pc = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    fill(pc, 3)
    (first, content), = run(pc, lambda: usb_files.export_batches())[0]
    (second, again), = run(pc, lambda: usb_files.export_batches())[0]  # the stick was lost: exported anew
    assert again != content
    operator = operators["operator"]
    assert "disimpan 3" in _import(center_app, operator, first, content)
    page = _import(center_app, operator, second, again)  # never read, its applications all held
    assert "sudah pernah diimpor" not in page
    assert ("Berkas 1 dari 1 baru bagi pusat, tetapi semua 3 permohonannya sudah tiba lebih dulu (3 lewat berkas "
            "kiriman lain): tidak ada yang ditambahkan.") in page
    page = _import(center_app, operator, first, content)  # the very same file again
    assert "Berkas 1 dari 1 sudah pernah diimpor (" in page and f"sebagai {first}): 3 permohonan sudah ada" in page
    assert UsbBatchFile.select().count() == 2 and ReceivedApplication.select().count() == 3


def test_a_file_whose_applications_arrived_by_sync_says_so(tmp_path, center_app, center_db, enrolled,
                                                           operators):  # noqa: F811
    kecamatan, _ = enrolled
    pc = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    fill(pc, 2)
    (name, content), = run(pc, lambda: usb_files.export_batches())[0]
    assert sync(pc, center_app).sent == 2  # the link came back before the stick arrived
    page = _import(center_app, operators["operator"], name, content)
    assert ("Berkas 1 dari 1 baru bagi pusat, tetapi semua 2 permohonannya sudah tiba lebih dulu (2 lewat "
            "sinkronisasi): tidak ada yang ditambahkan.") in page
