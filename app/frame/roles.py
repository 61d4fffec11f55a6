"""The office's roles (shared/DESIGN.md, 'Who uses it')."""
ADMIN = "admin"
LOKET = "petugas_loket"
INFORMASI = "petugas_informasi"
KASI = "kasi_pelayanan"
CAMAT = "camat"

ROLE_LABELS = {
    ADMIN: "Admin",
    LOKET: "Petugas Loket",
    INFORMASI: "Petugas Informasi",
    KASI: "Kasi Pelayanan",
    CAMAT: "Camat",
}
ALL_ROLES = tuple(ROLE_LABELS)
STAFF = ALL_ROLES  # any signed-in account
