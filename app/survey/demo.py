"""`run.py demo --surveys N`: survey answers spread over the last two years."""
import uuid
from datetime import datetime, time, timedelta

from app.frame.dates import utc_now
from app.frame.db import database
from app.frame.dates import utc_offset_hours
from app.capabilities import DemoCount
from app.survey.elements import ELEMENT_KEYS, PROFILE_CHOICES
from app.survey.models import SurveyAnswer, SurveyResponse

# Each element has its own leaning, so the NRR table is not flat (waktu and sarana lag behind).
LEANING = {"persyaratan": (2, 8, 60, 30), "prosedur": (3, 12, 60, 25), "waktu": (6, 20, 55, 19),
           "biaya": (1, 2, 17, 80), "produk": (2, 10, 63, 25), "kompetensi": (2, 8, 58, 32),
           "perilaku": (1, 6, 55, 38), "pengaduan": (4, 14, 60, 22), "sarana": (5, 22, 55, 18)}
COMMENTS = ["Pelayanan cepat, terima kasih.", "Ruang tunggu panas, mohon ditambah kipas.",
            "Antrean pagi terlalu panjang.", "Petugas ramah dan membantu.", "Mohon papan informasi persyaratan diperbarui.",
            "Parkir sempit.", "KTP jadi lebih cepat dari yang dijanjikan."]


DEMO = DemoCount("surveys", 1500, "satisfaction surveys over two years (default %(default)s)")
add_demo_arguments = DEMO.add_argument


@DEMO.filling(SurveyResponse)
def fill_demo(count, rng) -> None:
    now = utc_now()
    offset = timedelta(hours=utc_offset_hours("WIB"))
    responses, answers = [], []
    for _ in range(count):
        # Up to 728 days back, then back over a weekend: never more than two years (730 days) ago.
        day = (now - timedelta(days=rng.randrange(1, 729))).date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        local = datetime.combine(day, time(8)) + timedelta(minutes=rng.randrange(0, 7 * 60))
        profile = {field: (rng.choice(list(choices)) if rng.random() < 0.8 else "")
                   for field, choices in PROFILE_CHOICES.items()}
        responses.append(dict(submission_key=uuid.UUID(int=rng.getrandbits(128)).hex, submitted_at=local - offset,
                              address="127.0.0.1", comment=rng.choice(COMMENTS) if rng.random() < 0.15 else "",
                              **profile))
    with database.atomic():
        for start in range(0, len(responses), 500):
            SurveyResponse.insert_many(responses[start:start + 500]).execute()
        ids = [r.id for r in SurveyResponse.select(SurveyResponse.id).order_by(SurveyResponse.id)]
        for response_id in ids:
            for key in ELEMENT_KEYS:
                score = rng.choices((1, 2, 3, 4), weights=LEANING[key])[0]
                answers.append({"response": response_id, "element": key, "score": score})
        for start in range(0, len(answers), 2000):
            SurveyAnswer.insert_many(answers[start:start + 2000]).execute()
