"""Demo data for the center's Kinerja Kecamatan (issue 29): every kecamatan of Kabupaten Lumajang with
approved quarterly reports for the last quarters, shaped as app/recap/sync_records.py sends them and
stored as the API stores them, so the page, the trend and the exports have something to show."""
import json
import random

from app.frame.dates import local_today, utc_now
from app.frame.periods import Quarter
from app.frame.regions import children
from sync import protocol
from sync.center.db import center_database
from sync.center.models import Kecamatan, PerformanceReport
from sync.center.performance import ZONE, combined_ikm, figures_of

KABUPATEN = "35.08"  # Lumajang, the demo office's kabupaten (app/firstrun.DEMO_KECAMATAN)
ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "maklumat", "pengaduan")
INDICATORS = (("siap_tepat_waktu", "KTP-el siap diambil tepat waktu", 90.0, True),
              ("serah_tepat_waktu", "KTP-el diambil warga tepat waktu", 90.0, True),
              ("berkas_dikembalikan", "Berkas dikembalikan karena belum lengkap", 10.0, False),
              ("pengaduan_tepat_waktu", "Pengaduan ditindaklanjuti tepat waktu", 90.0, True),
              ("kotak_saran", "Kotak saran dibuka setiap hari layanan", 100.0, True))


def report(rng: random.Random, code: str, quarter: Quarter, skill: float, addendum: int = 0) -> dict:
    """One approved report; `skill` (0-1) makes a kecamatan steadily better or worse than the others."""
    respondents = 0 if rng.random() < 0.08 else rng.randint(30, 220)
    elements = []
    for key in ELEMENTS:
        mean = 2.6 + 1.1 * skill + rng.uniform(-0.25, 0.25)
        total = min(4 * respondents, max(respondents, round(mean * respondents)))
        elements.append({"key": key, "answers": respondents, "total": total,
                         "nrr": f"{total / respondents:.2f}" if respondents else None})
    ikm = combined_ikm([{"respondents": respondents, "elements": elements}])
    received = rng.randint(4, 60)
    closed = rng.randint(received * 2 // 3, received)
    on_time = min(closed, round(closed * (0.6 + 0.38 * skill + rng.uniform(-0.1, 0.1))))
    indicators = []
    for key, name, target, higher in INDICATORS:
        denominator = rng.randint(120, 900) if key != "kotak_saran" else rng.randint(58, 64)
        share = 0.75 + 0.23 * skill + rng.uniform(-0.05, 0.05)
        numerator = round(denominator * (share if higher else 1 - share))
        numerator = max(0, min(denominator, numerator))
        indicators.append({"key": key, "name": name, "numerator": numerator, "denominator": denominator,
                           "value": 100.0 * numerator / denominator, "target": target, "higher_is_better": higher,
                           "is_index": False, "available": True, "definition": f"{key}-2026"})
    indicators.append({"key": "ikm", "name": "Indeks Kepuasan Masyarakat (IKM)", "numerator": None,
                       "denominator": None, "value": float(ikm.ikm) if ikm.ikm else None, "target": 76.61,
                       "higher_is_better": True, "is_index": True, "available": True, "definition": "ikm-14/2017"})
    return {"format": 1, "kecamatan": code, "year": quarter.year, "quarter": quarter.number,
            "approved_at": f"{quarter.end.isoformat()}T02:00:00",
            "complaints": {"received": received, "confidential": rng.randint(0, 2), "closed": closed,
                           "closed_on_time": on_time, "follow_up_days": 5, "responded": closed,
                           "responded_on_time": closed, "first_response_days": 1, "by_channel": [],
                           "by_status": [], "by_category": []},
            "ikm": {"respondents": respondents, "ikm": str(ikm.ikm) if ikm.ikm else None, "grade": ikm.grade,
                    "elements": elements},
            "indicators": indicators,
            "notice": {"promises": "Menambah satu loket pada hari Senin.", "narrative": "Pengaduan terbanyak: antrean."},
            "addendum": {"count": addendum, "at": None, "listed_in": None}}


def fill(seed: int = 2026, quarters: int = 8) -> int:
    """Every kecamatan of the kabupaten (registered when missing) with approved reports for the last
    `quarters` ended quarters; a few are missing (late) and a few carry an addendum. Returns reports stored."""
    rng = random.Random(seed)
    last = Quarter.containing(local_today(ZONE)).previous()
    stored = 0
    with center_database.atomic():
        for region in children(KABUPATEN):
            kecamatan = Kecamatan.get_or_none(Kecamatan.code == region.code) or Kecamatan.create(
                code=region.code, digits=protocol.kecamatan_digits(region.code), name=region.name,
                created_at=utc_now())
            skill = rng.random()
            if PerformanceReport.select().where(PerformanceReport.kecamatan == kecamatan.id).exists():
                continue  # filled before (or real reports): a second run adds nothing
            for quarter in last.last(quarters):
                if quarter == last and rng.random() < 0.15:
                    continue  # this quarter's recap not approved yet: the page flags it once late
                for version in (1, 2) if rng.random() < 0.1 else (1,):
                    record = report(rng, region.code, quarter, skill, addendum=version - 1)
                    PerformanceReport.create(
                        kecamatan=kecamatan.id, year=quarter.year, quarter=quarter.number, version=version,
                        content_hash=protocol.content_hash(record, protocol.sha256_hex(b"")),
                        record_json=json.dumps(record, ensure_ascii=False),
                        figures_json=json.dumps(figures_of(record), ensure_ascii=False),
                        approved_at=utc_now(), key_id="demo", via="demo", received_at=utc_now())
                    stored += 1
    return stored
