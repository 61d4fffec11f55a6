"""The office's roles (docs/architecture.md, 'Who uses it, and how the work flows')."""
ADMIN = "admin"
LOKET = "petugas_loket"
INFORMASI = "petugas_informasi"
KASI = "kasi_pelayanan"
CAMAT = "camat"
DESA = "operator_desa"  # village-office clerk: pre-registrations of their own desa only

ROLE_LABELS = {
    ADMIN: "Admin",
    LOKET: "Petugas Loket",
    INFORMASI: "Petugas Informasi",
    KASI: "Kasi Pelayanan",
    CAMAT: "Camat",
    DESA: "Operator Desa",
}
ALL_ROLES = tuple(ROLE_LABELS)
ACCOUNT = ALL_ROLES  # any signed-in account (password change, sign out)
STAFF = tuple(r for r in ALL_ROLES if r != DESA)  # the kecamatan office's own staff
