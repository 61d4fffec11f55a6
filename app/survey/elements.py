"""The nine elements (unsur) of the Survei Kepuasan Masyarakat and their answer wording.

Source: PermenPANRB 14/2017 (Pedoman Penyusunan Survei Kepuasan Masyarakat Unit Penyelenggara
Pelayanan Publik), Lampiran Bab II (ruang lingkup: unsur a-i) and the example questionnaire, whose
answers a-d score 1-4. Answers are stored by `key`, never by position, so reordering the form or
adding a question later cannot shift old answers to another element.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    key: str
    code: str          # U1..U9, as the regulation's worked example labels them
    name: str
    question: str
    answers: tuple[str, str, str, str]  # wording of scores 1, 2, 3, 4

    def wording(self, score: int) -> str:
        return self.answers[score - 1]


ELEMENTS: tuple[Element, ...] = (
    Element("persyaratan", "U1", "Persyaratan",
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    Element("prosedur", "U2", "Sistem, mekanisme dan prosedur",
            "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
            ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah")),
    Element("waktu", "U3", "Waktu penyelesaian",
            "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
            ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat")),
    Element("biaya", "U4", "Biaya/tarif",
            "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
            ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")),
    Element("produk", "U5", "Produk spesifikasi jenis pelayanan",
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam "
            "standar pelayanan dengan hasil yang diberikan?",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    Element("kompetensi", "U6", "Kompetensi pelaksana",
            "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
            ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten")),
    Element("perilaku", "U7", "Perilaku pelaksana",
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
            ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah")),
    Element("pengaduan", "U8", "Penanganan pengaduan, saran dan masukan",
            "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
            ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik")),
    Element("sarana", "U9", "Sarana dan prasarana",
            "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
            ("Buruk", "Cukup", "Baik", "Sangat baik")),
)
ELEMENT_KEYS = tuple(e.key for e in ELEMENTS)
BY_KEY = {e.key: e for e in ELEMENTS}

# Respondent profile (optional), as in the regulation's questionnaire header.
SEXES = {"L": "Laki-laki", "P": "Perempuan"}
AGE_BANDS = {"<20": "Di bawah 20 tahun", "20-29": "20–29 tahun", "30-39": "30–39 tahun",
             "40-49": "40–49 tahun", "50-59": "50–59 tahun", "60+": "60 tahun ke atas"}
EDUCATIONS = {"sd": "SD ke bawah", "smp": "SMP/sederajat", "sma": "SMA/SMK/sederajat", "d1-d3": "D1–D3",
              "d4-s1": "D4/S1", "s2": "S2", "s3": "S3"}
OCCUPATIONS = {"pns": "PNS", "tni": "TNI", "polri": "POLRI", "swasta": "Pegawai swasta",
               "wirausaha": "Wirausaha", "petani": "Petani/nelayan", "pelajar": "Pelajar/mahasiswa",
               "lainnya": "Lainnya"}
PROFILE_CHOICES = {"sex": SEXES, "age_band": AGE_BANDS, "education": EDUCATIONS, "occupation": OCCUPATIONS}
COMMENT_MAX = 1000
