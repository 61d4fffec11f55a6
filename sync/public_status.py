"""The public status record: what a kecamatan tells the center about an application or a complaint
so a citizen can follow it from a phone (issue 28, docs/sync-protocol.md "Public status").

Both ends read this one vocabulary: the kecamatan maps its own statuses to these steps, the center
validates and words them. Minimal and public by design: a number, a digest of the slip's check
code, a step, dates, the office's name and hours, and for a complaint that is not confidential its
public follow-up text. Never a name, NIK, address, photo or a confidential complaint's text.
"""
import hashlib
import re

KIND = "status_publik"  # the outbox kind (sync/client/records.py)
PATH = "/public"  # /api/v1/public/manifest and /api/v1/public/packets
KEY_PREFIX = "status:"  # the outbox key: the number itself is taken by the application's own rows
NUMBER = re.compile(r"^[0-9A-Z][0-9A-Za-z\-]{2,39}$")
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"  # as complaint numbers: nothing to misread on a slip
CODE_LENGTH = 6

# step -> the plain words a citizen reads ({office}: the kecamatan's name).
STEPS = {
    "ktp": {
        "diterima": "Berkas diterima di loket Kantor Kecamatan {office}",
        "kurang": "Berkas belum lengkap: lengkapi di loket Kantor Kecamatan {office}",
        "diproses": "Berkas lengkap, sedang diproses Dukcapil",
        # Shown by the center, never sent: "diproses" of a file the center does not hold (yet).
        "menunggu_kirim": "Berkas lengkap di Kantor Kecamatan {office}, menunggu dikirim ke Dukcapil",
        "dicetak": "Kartu sudah dicetak di Dukcapil",
        "dikirim": "Kartu sudah dicetak, dikirim ke kecamatan",
        "siap": "Siap diambil di Kantor Kecamatan {office}, bawa tanda terima",
        "diserahkan": "Kartu sudah diserahkan",
        "perbaikan": "Perlu perbaikan data: hubungi loket Kantor Kecamatan {office}",
    },
    "pgd": {
        "diterima": "Pengaduan diterima Kantor Kecamatan {office}",
        "diteruskan": "Diteruskan ke seksi yang menangani",
        "ditindaklanjuti": "Sedang ditindaklanjuti",
        "selesai": "Selesai ditindaklanjuti",
        "bukan_kewenangan": "Bukan kewenangan kecamatan, diteruskan ke instansi lain",
    },
    # The desa's pre-registration (F-1.07), followed by its PRA- number until the counter takes it in.
    "pra": {
        "menunggu": "Menunggu di Kantor Kecamatan {office}: bawa formulir F-1.07 dan fotokopi KK ke loket",
        "diterima": "Diterima di loket Kantor Kecamatan {office}: ikuti nomor pendaftaran pada tanda terima loket",
        "ditolak": "Formulir tidak dapat diproses kecamatan: hubungi kantor desa",
        "kedaluwarsa": "Masa berlaku formulir habis: isi ulang di kantor desa",
    },
}
# What the citizen does next at each step (issue 43: the page told the step, not what to do about it).
NEXT_STEPS = {
    "ktp": {
        "diterima": "Belum ada yang perlu Anda lakukan. Simpan tanda terima; petugas memeriksa berkas Anda.",
        "kurang": "Bawa kekurangan berkas dan slip pengembalian ke loket Kantor Kecamatan {office}.",
        "diproses": "Belum ada yang perlu Anda lakukan. Simpan tanda terima; datang setelah status menjadi siap diambil.",
        "menunggu_kirim": "Belum ada yang perlu Anda lakukan. Simpan tanda terima; kecamatan mengirim berkas Anda ke "
                          "Dukcapil, lalu status di sini berubah.",
        "dicetak": "Belum ada yang perlu Anda lakukan. Kartu akan dikirim ke kecamatan; datang setelah status menjadi siap diambil.",
        "dikirim": "Belum ada yang perlu Anda lakukan. Datang setelah status menjadi siap diambil.",
        "siap": "Bawa tanda terima ke loket Kantor Kecamatan {office} pada jam layanan dan ambil KTP-el Anda.",
        "diserahkan": "Tidak ada lagi yang perlu dilakukan.",
        "perbaikan": "Hubungi loket Kantor Kecamatan {office} (telepon di bawah) atau datang membawa tanda terima.",
    },
    "pgd": {
        "diterima": "Belum ada yang perlu Anda lakukan. Kecamatan menindaklanjuti sebelum batas di atas.",
        "diteruskan": "Belum ada yang perlu Anda lakukan. Kecamatan menindaklanjuti sebelum batas di atas.",
        "ditindaklanjuti": ("Belum ada yang perlu Anda lakukan. Tindak lanjutnya tampil di sini setelah "
                            "selesai (pengaduan rahasia: disampaikan langsung kepada Anda)."),
        "selesai": "Bila belum puas, sampaikan ke meja informasi Kantor Kecamatan {office} dengan nomor pengaduan ini.",
        "bukan_kewenangan": "Hubungi instansi yang disebut pada tindak lanjut di bawah.",
    },
    "pra": {
        "menunggu": "Bawa formulir F-1.07 dan fotokopi KK ke loket Kantor Kecamatan {office} sebelum masa berlakunya habis.",
        "diterima": "Ikuti nomor pendaftaran pada tanda terima loket.",
        "ditolak": "Hubungi kantor desa Anda.",
        "kedaluwarsa": "Isi ulang formulir F-1.07 di kantor desa Anda.",
    },
}
# A complaint still open after its follow-up deadline (issue 61: /cek kept saying "before the deadline above"
# four months after it): what the citizen reads instead of the step's NEXT_STEPS.
LATE_FOLLOW_UP = ("Batas tindak lanjut sudah lewat {days} hari dan pengaduan Anda belum selesai ditindaklanjuti. "
                  "Tanyakan ke Kantor Kecamatan {office} (alamat dan telepon di bawah) dengan menyebut nomor "
                  "pengaduan ini. Bila tetap tidak ditanggapi, Anda dapat melapor ke Ombudsman Republik Indonesia.")
# An application still in service past its promised date (issue 71: /cek said "Belum ada yang perlu Anda
# lakukan" five weeks late): counted in working days as the office's own register counts it. {duty}: what the
# office does where the card is (issue 92: a card printed and shipped read "wajib menanyakan berkas Anda ke Dukcapil").
LATE_APPLICATION = ("Tanggal janji sudah lewat {days} hari kerja dan KTP-el Anda belum siap diambil. {duty} Tanyakan "
                    "ke kantor (alamat dan telepon di bawah) dengan menyebut nomor pendaftaran ini. Bila tetap "
                    "tidak ditanggapi, Anda dapat melapor ke Ombudsman Republik Indonesia.")
LATE_DUTY = {
    "menunggu_kirim": "Berkas Anda masih di Kantor Kecamatan {office} dan belum dikirim ke Dukcapil; kantor wajib "
                      "mengirimnya dan memberi tahu Anda.",
    "diproses": "Kantor Kecamatan {office} wajib menanyakan berkas Anda ke Dukcapil dan memberi tahu Anda.",
    "dicetak": "Kartu Anda sudah dicetak di Dukcapil; Kantor Kecamatan {office} wajib menanyakan kapan kartu dikirim "
               "ke kecamatan dan memberi tahu Anda.",
    "dikirim": "Kartu Anda sudah dikirim Dukcapil ke kecamatan; Kantor Kecamatan {office} wajib memeriksa kiriman "
               "kartu itu dan memberi tahu Anda bila sudah siap diambil.",
    "perbaikan": "Dukcapil meminta data berkas Anda diperbaiki; Kantor Kecamatan {office} wajib membantu Anda "
                 "memperbaikinya dan mengirimnya lagi.",
}
# An application's record carries the office's own days (its days off, the national holidays it opens) after its
# promised date, at most so many of each, so the center counts its lateness on the office's calendar.
MAX_OFFICE_DAYS = 60
# A complaint's public follow-up, whole (issue 92: /cek cut it at 2,000 characters mid-word, the Kasi's form takes
# 5,000): the Kasi's text (app/complaints/form_rules.TINDAK_LANJUT_MAX) and "Diteruskan ke: " the other office (200).
FOLLOW_UP_MAX = 5300
# An application's numbers before the one it has (issue 72: at enrolment, then the center's): at most so many.
MAX_PREVIOUS = 5
# /cek of an old receipt's number and its own check code: changed, never saying to what or for whom.
NUMBER_CHANGED = ("Nomor {number} sudah diganti oleh Kantor Kecamatan {office}, jadi bukti pendaftaran Anda "
                  "yang lama tidak berlaku lagi. Minta bukti pendaftaran baru di loket Kantor Kecamatan {office} "
                  "dengan membawa bukti lama ini; status permohonan Anda tampil di sini dengan nomor dan kode cek "
                  "pada bukti baru.")
# /cek of a fresh receipt whose number another counter PC of the office gave too, while the center's check of the
# two waits (issue 83: it answered "tidak cocok" for days): the truth, and where to ask.
NUMBER_BEING_CHECKED = ("Nomor {number} sedang diperiksa di Dukcapil kabupaten: nomor yang sama juga tercatat "
                        "pada permohonan lain di kecamatan ini. Permohonan Anda tetap tercatat; bila nomornya "
                        "diganti, Anda diberi bukti pendaftaran baru. Tanyakan ke Kantor Kecamatan {office} dengan "
                        "membawa bukti pendaftaran ini.")
# The public steps of an application in service (app/registration/status.IN_SERVICE): late past its promise.
IN_SERVICE_STEPS = frozenset(LATE_DUTY)
# A complaint done without a published follow-up: a confidential one, told to the complainant in person.
UNPUBLISHED_FOLLOW_UP = ("Hasil tindak lanjut tidak diumumkan di sini: pengaduan rahasia disampaikan langsung "
                         "kepada Anda. Bila belum menerimanya, tanyakan ke Kantor Kecamatan {office}.")
# Steps after which the record is kept only for the retention time (the card handed over, the complaint closed).
FINAL_STEPS = {"ktp": frozenset({"diserahkan"}), "pgd": frozenset({"selesai", "bukan_kewenangan"}),
               "pra": frozenset({"diterima", "ditolak", "kedaluwarsa"})}


def wire_key(number: str) -> str:
    return KEY_PREFIX + number


def number_of(key: str) -> str | None:
    """The tracking number a wire key names, or None when it is not one."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX):
        return None
    number = key[len(KEY_PREFIX):]
    return number if NUMBER.match(number) else None


def number_candidates(typed: str | None) -> list[str]:
    """The tracking numbers a typed one may be, as people type them from a slip or hear them: any
    case, spaces, dots or dashes anywhere or none ('350807 01 000003', 'pgd7k3m9q'). Without dashes a
    registration number splits more than one way (the PC's part is 1-4 characters): every split
    that is well formed is a candidate; the check code decides."""
    compact = re.sub(r"[\s\-_./\u2010-\u2015]", "", (typed or "")[:60].upper())
    if compact.startswith("PGD"):
        found = ["PGD-" + compact[3:]]
    else:
        head, rest = (compact[:13], compact[13:]) if compact.startswith("PRA") else (compact[:6], compact[6:])
        head = "PRA-" + head[3:] if compact.startswith("PRA") else head
        found = [f"{head}-{rest[:device]}-{rest[device:]}" for device in range(1, 5)
                 if rest[:device].isalnum() and rest[device:].isdigit() and 6 <= len(rest) - device <= 9]
    return [number for number in found if NUMBER.match(number)]


def normalise_code(text: str | None) -> str:
    """A typed check code in canonical form ('7k3 m9q' -> '7K3M9Q'); '' when it cannot be one."""
    compact = re.sub(r"[\s\-_.]", "", (text or "")[:40].upper())
    return compact if len(compact) == CODE_LENGTH and all(c in CODE_ALPHABET for c in compact) else ""


def code_digest(number: str, code: str) -> str:
    """What travels instead of the code: bound to its number, so one digest cannot serve another number."""
    return hashlib.sha256(f"loket-status|{number}|{code}".encode()).hexdigest()
