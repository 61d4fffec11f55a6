"""`run.py demo`: realistic data for Kecamatan Yosowilangun (35.08.07), sized by options.

Each capability adds its own part through `add_demo_arguments` and `fill_demo`.
"""
import random

from app import capabilities
from app.auth.accounts import create_user
from app.auth.models import User
from app.firstrun import DEMO_KECAMATAN, seed_identity
from app.frame.roles import ADMIN, CAMAT, INFORMASI, KASI, LOKET
from app.frame import store
from app.frame.db import database

DEMO_STAFF = [
    ("admin", "Administrator", ADMIN, ""),
    ("loket1", "Siti Rahmawati", LOKET, "198805122010012003"),
    ("loket2", "Agus Prasetyo", LOKET, "199001032015031002"),
    ("loket3", "Dewi Lestari", LOKET, ""),
    ("info", "Rina Kusumawati", INFORMASI, "198703152009022004"),
    ("kasi", "Bambang Hermanto, S.Sos", KASI, "197806202005011007"),
    ("camat", "Drs. Hadi Santoso, M.Si", CAMAT, "197201141998031005"),
]


def add_arguments(parser, program) -> None:
    """The options of `run.py demo`: its own, then each capability's of `program` (the kecamatan's)."""
    parser.add_argument("--seed", type=int, default=2026, help="seed of the random generator (repeatable data)")
    parser.add_argument("--password", default=None,
                        help="password for every demo account (default: a random one, printed at the end)")
    capabilities.add_demo_arguments(parser, program)


def fill(options) -> dict[str, str]:
    """Fill the open database; returns the demo accounts and their passwords."""
    rng = random.Random(options.seed)
    seed_identity(DEMO_KECAMATAN)
    with database.atomic():
        store.put("address", "Jl. Raya Yosowilangun No. 1, Yosowilangun, Lumajang 67382")
        store.put("phone", "(0334) 571234")
        store.put("camat_name", "Drs. Hadi Santoso, M.Si")
        store.put("camat_nip", "197201141998031005")
    accounts = {}
    for username, full_name, role, nip in DEMO_STAFF:
        if User.select().where(User.username == username).exists():
            continue
        _, password = create_user(username, full_name, role, nip, password=options.password,
                                  must_change_password=False)
        accounts[username] = password
    capabilities.fill_demo(options, rng)
    return accounts
