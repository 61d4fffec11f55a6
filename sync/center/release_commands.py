"""`run.py release ...`: the regency admin's key folder and release (on a laptop that may be an office
install) and the center server's online key and publishing. No route is imported here: the command
runs without the center's extra (cheroot, simplejpeg)."""
import argparse
import sys
from pathlib import Path

from app.frame.audit_rule import act

UPDATES_FOLDER = "pembaruan"
ONLINE_KEY = "online.pem"


def repository_of(data_dir: Path) -> Path:
    return Path(data_dir) / UPDATES_FOLDER / "repo"


def online_key_of(data_dir: Path) -> Path:
    return Path(data_dir) / UPDATES_FOLDER / ONLINE_KEY


def cmd_release(options) -> int:
    from sync.release import key_signing as repository
    try:
        if options.action == "keys":
            return cmd_keys(options)
        elif options.action == "build":
            return cmd_build(options)
        elif options.action == "sign" and not options.wheels:
            return cmd_sign(options)
        elif options.action == "sign":  # the project's tests: a folder of wheels signed as it is, unchecked
            import loket_install
            if loket_install.CHECKED:  # typed on a key laptop (the tests call run.main in their process)
                print("--wheels hanya untuk pengujian proyek: rilis ditandatangani dari folder hasil release build "
                      f"dan wheel rilis yang Anda pegang, misalnya: {_example('sign')}. Tidak ada kunci yang dibuka.",
                      file=sys.stderr)
                return 1
            wheels = sorted(Path(options.wheels).glob("*.whl"))
            bundle = repository.sign_release(Path(options.keys), options.version, options.notes or "", wheels,
                                             Path(options.bundle), requires=_requires_of(wheels))
            print(f"Paket rilis {options.version} ditandatangani: {bundle} ({len(wheels)} wheel).")
        elif options.action == "install-online-key":
            source = Path(options.keys) / repository.KEY_FILES["online"]
            repository.load_signer(source)  # a readable key, before it replaces anything
            from app.frame.private_files import private_dir, write_private
            target = online_key_of(_data_dir(options))
            private_dir(target.parent)
            write_private(target, source.read_text("ascii"))
            print(f"Kunci online dipasang di {target}.")
        elif options.action == "usb":
            return cmd_usb(options)
        else:  # publish
            release = publish_release(_data_dir(options), Path(options.bundle), options.database_url)
            if release["ring"] == repository.PILOT:
                print(f"Rilis {release['version']} terbit untuk {release['pilots']} komputer uji: mereka menerimanya pada "
                      "sinkronisasi berikutnya. Periksa keadaannya di halaman Rilis Pembaruan pusat, lalu tekan "
                      "Terbitkan untuk semua komputer.")
            else:
                print(f"Rilis {release['version']} terbit untuk semua komputer (belum ada komputer uji): kantor "
                      "kecamatan dan desa menerimanya pada sinkronisasi berikutnya.")
    except repository.ReleaseError as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


@act("terbit")
def publish_release(data_dir: Path, bundle: Path, database_url: str | None = None) -> dict:
    """The one way a bundle is published at a center: to its pilot PCs first when the regency has any
    (sync/center/updates.py), else to every PC; audited in the center's own database (the one its data
    folder records or holds, sync/center/db.center_database_place; `database_url` when typed). The
    release, with its `ring` and how many `pilots`."""
    from sync.release import key_signing as repository
    from sync.center.audit import audit
    from sync.center.db import center_database_place, open_center_database, reachable
    from sync.center.migrations import migrate_center
    from sync.center.models import DeviceKey
    path, url = center_database_place(data_dir, database_url)  # the server's, without its routes; never a new one
    db = reachable(open_center_database(path, url), url)
    with db.connection_context():
        migrate_center(db)  # a center updated but not yet restarted
        pilots = DeviceKey.select().where(DeviceKey.pilot_since.is_null(False) & DeviceKey.revoked_at.is_null()
                                          & (DeviceKey.replaced_by == "")).count()
        release = repository.publish(bundle, repository_of(data_dir), online_key_of(data_dir), to_everyone=not pilots)
        release.update(ring=repository.PILOT if pilots else repository.EVERYONE, pilots=pilots)
        with db.atomic():
            audit("terbit", "rilis", release["version"],
                  f"Rilis {release['version']} (targets versi {release['targets_version']}) terbit untuk "
                  + (f"{pilots} komputer uji" if pilots else "semua komputer (belum ada komputer uji)"),
                  username="run.py release publish")
    return release


def cmd_usb(options) -> int:
    """`release usb --data DIR --to FOLDER`: the folder an office without a link reads from a USB stick,
    holding only the release released to everyone (sync/release/key_signing.everyone_copy)."""
    from sync.release import key_signing as repository
    if not options.to:
        print(f"Sebutkan folder di flashdisk, misalnya: {_example('usb')}", file=sys.stderr)
        return 1
    try:
        copied = repository.everyone_copy(repository_of(_data_dir(options)), Path(options.to))
    except OSError as problem:  # a full or pulled-out stick: what is on it stays as it was
        print(f"Tidak dapat menulis salinan ke {options.to} ({type(problem).__name__}: {problem}). Periksa flashdisk "
              "(terpasang, cukup ruang), lalu ulangi perintahnya.", file=sys.stderr)
        return 1
    expires = copied["expires"][:10]
    print(f"Salinan pembaruan untuk flashdisk ditulis di {options.to}: rilis {copied['version']} (terbit untuk semua "
          f"komputer), {copied['files']} berkas, {copied['size'] / 1048576:.1f} MB. Di kantor, baca folder ini di halaman "
          f"Pembaruan Aplikasi (Pembaruan dari flashdisk) paling lambat {expires}; setelah itu buat salinan baru.")
    if copied["with_pilots"]:
        print("Rilis yang masih di komputer uji tidak ikut disalin: kantor menerimanya setelah Anda menerbitkannya untuk "
              "semua komputer.")
    return 0


def cmd_keys(options) -> int:
    """`release keys --keys DIR --root DIR`: the release keys on one stick, the root key on another."""
    from sync.release.key_signing import NEVER_BY_MESSAGE
    from sync.release import key_signing as repository
    if not options.keys or not options.root:
        print("Sebutkan dua folder di dua flashdisk berbeda: folder kunci rilis (--keys) dan folder kunci root (--root), "
              f"misalnya: {_example('keys')}", file=sys.stderr)
        return 1
    try:
        folder = repository.create_keys(Path(options.keys), Path(options.root))
    except repository.ReleaseError as problem:
        print(problem, file=sys.stderr)
        return 1
    print(f"Kunci rilis dibuat di {folder} ({repository.KEY_FILES['targets']}, {repository.KEY_FILES['online']}): "
          "flashdisk ini dipasang hanya untuk menandatangani rilis (release sign). Salin hanya "
          f"{repository.KEY_FILES['online']} ke komputer pusat (run.py release install-online-key).")
    print(f"Kunci root dibuat di {options.root} ({repository.KEY_FILES['root']}): simpan flashdisk itu terkunci di "
          "tempat lain. Kunci root tidak dipakai untuk rilis, hanya untuk membuat atau mengganti kunci.")
    print(f"Sidik jari kunci root: {repository.key_folder_fingerprint(folder)}")
    print("Cetak sidik jari ini dan serahkan lembarnya sendiri ke admin setiap kantor kecamatan dan desa. Admin kantor "
          "MENGETIK sidik jari dari lembar ini di halaman Pembaruan Aplikasi komputernya; jangan pernah menyalinnya "
          f"dari layar. {NEVER_BY_MESSAGE}")
    return 0


def cmd_build(options) -> int:
    """`release build WHEEL`: the check of the project's release wheel, with no key folder near it
    (sync/release/candidate_build.py); `release sign` signs what it checked."""
    from sync.release import candidate_build
    from sync.release.key_signing import ReleaseError
    if options.keys:
        print("release build tidak memakai folder kunci: program rilis yang diperiksa belum dipercaya dan tidak boleh "
              "dekat dengan kunci. Cabut flashdisk kunci, jalankan release build tanpa --keys, lalu pasang flashdisk "
              "kunci untuk release sign. Tidak ada yang diperiksa.", file=sys.stderr)
        return 1
    if not options.wheel:
        print(f"Sebutkan wheel rilis, misalnya: {_example('build')}", file=sys.stderr)
        return 1
    try:
        checked = candidate_build.build(Path(options.wheel), Path(options.checked) if options.checked else None,
                                      data_copies=[Path(p) for p in options.data_copy or []],
                                      recovery_keys=options.recovery_key or [], pythons=options.python,
                                      platforms=options.platform, say=lambda line: print(line, flush=True),
                                      allowed_keys=[online_key_of(_data_dir(options))])
    except ReleaseError as problem:
        print(problem, file=sys.stderr)
        return 1
    print(after_build(checked, Path(options.wheel).resolve()))
    return 0


def _example(action: str) -> str:
    """The whole command of `action` as this install on this system runs it, quoted, with example names."""
    from app.frame.command_line import WINDOWS, installed_line, run_py_line, signer_line, this_system
    windows = this_system() == WINDOWS
    downloads = "C:\\Users\\<nama>\\Downloads\\" if windows else "/home/<nama>/Downloads/"
    stick, root = ("E:\\", "F:\\") if windows else ("/media/<nama>/RILIS/", "/media/<nama>/ROOT/")
    if action == "usb":
        return run_py_line(["release", "usb", "--data", "<folder data pusat>", "--to",
                            "E:\\pembaruan" if windows else "/media/<flashdisk>/pembaruan"])
    if action == "build":
        return installed_line(["release", "build", downloads + "loket_kecamatan-0.2.0-py3-none-any.whl"])
    if action == "keys":
        return signer_line(["release", "keys", "--keys", stick + "kunci-rilis", "--root", root + "kunci-root"])
    return signer_line(["release", "sign", downloads + "diperiksa-0.2.0", "--wheel-rilis",
                        downloads + "loket_kecamatan-0.2.0-py3-none-any.whl", "--keys", stick + "kunci-rilis"])


def after_build(checked: Path, wheel: Path, here: bool | None = None) -> str:
    """The next step `release build` prints: the sign command, quoted for its shell (a checked folder under
    C:\\Users\\Budi Santoso\\... is one word), naming the release wheel the admin keeps (`wheel`, what
    release sign trusts). On the key laptop (`here`: this install signs, installed from the release wheel)
    this install's own line; elsewhere (the center's server, a source tree) the key laptop's lines of each
    system, for the folder once copied there and the wheel downloaded there, with the checker's fingerprint."""
    from app.frame.command_line import LINUX, WINDOWS, laptop_signer_line, signer_line, signs_here, this_system
    if signs_here() if here is None else here:
        stick = "E:\\kunci-rilis" if this_system() == WINDOWS else "/media/<nama>/RILIS/kunci-rilis"
        return ("Langkah berikutnya: pasang flashdisk kunci rilis (flashdisk kunci root tetap tersimpan), lalu di jendela "
                f"perintah yang sama:\n  {signer_line(['release', 'sign', checked, '--wheel-rilis', wheel, '--keys', stick])}")
    sign = ["release", "sign", "<folder " + checked.name + ">", "--wheel-rilis", f"<{wheel.name} yang Anda unduh>",
            "--pemeriksa", "<sidik di atas>", "--keys"]
    windows = laptop_signer_line([*sign, "E:\\kunci-rilis"], WINDOWS)
    linux = laptop_signer_line([*sign, "/media/<nama>/RILIS/kunci-rilis"], LINUX)
    return (f"Langkah berikutnya: salin folder {checked.name} (seluruh isinya, dari {checked.parent}) ke laptop kunci, "
            f"pasang flashdisk kunci rilis di sana, lalu di folder Loket laptop itu ketik, dengan {wheel.name} yang Anda "
            "unduh sendiri ke laptop itu (laptop Windows):\n  "
            f"{windows}\nLaptop Linux:\n  {linux}")


def cmd_sign(options) -> int:
    """`release sign CHECKED --wheel-rilis WHEEL --keys DIR`: the files `release build` checked, signed
    exactly when they are the release wheel the admin holds and what its lock names; no candidate code
    runs, and no `candidate_*` module is imported (sync/release/key_sign_checked.py)."""
    from sync.release import key_sign_checked
    from sync.release.key_signing import ReleaseError
    if not options.wheel or not options.held_wheel or not options.keys:
        print("Sebutkan folder hasil release build, wheel rilis yang Anda unduh sendiri (--wheel-rilis) dan folder "
              f"kunci rilis, misalnya: {_example('sign')}", file=sys.stderr)
        return 1
    try:
        bundle = key_sign_checked.sign_checked(Path(options.wheel), Path(options.keys), Path(options.held_wheel),
                                             Path(options.bundle) if options.bundle else None,
                                             say=lambda line: print(line, flush=True), checker=options.checker)
    except ReleaseError as problem:
        print(problem, file=sys.stderr)
        return 1
    print(after_sign(bundle))
    return 0


def after_sign(bundle: Path) -> str:
    """The next step `release sign` prints: the publish command at the center, for each system's shell."""
    from app.frame.command_line import LINUX, WINDOWS, run_py_line
    publish = ["release", "publish", "--data", "<folder data pusat>", "--bundle", bundle.name]
    return (f"Langkah berikutnya: cabut flashdisk kunci dan simpan kembali di tempat terkunci. Salin folder {bundle.name} "
            f"(seluruh isinya, dari {bundle.parent}) ke komputer pusat, lalu di komputer pusat, di folder Loket-nya, "
            f"jalankan:\n  {run_py_line(publish, LINUX)}\nKomputer pusat Windows:\n  {run_py_line(publish, WINDOWS)}")


def _requires_of(wheels: list[Path]) -> list[str] | None:
    """The app wheel's Requires-Dist for release.json, None when it cannot be read (`sign` of a folder
    whose wheel is not a real one)."""
    from sync.release import release_wheel
    from sync.release.key_signing import ReleaseError
    app = next((w for w in wheels if w.name.startswith(release_wheel.APP_WHEEL_PREFIX)), None)
    try:
        return release_wheel.read_app_wheel(app).requires if app else None
    except ReleaseError:
        return None


def _data_dir(options) -> Path:
    from sync.center.db import center_data_dir
    return center_data_dir(getattr(options, "data", None))


def add_commands(subparsers, add_data_option) -> None:
    parser = subparsers.add_parser("release", help="signed releases for the office PCs: keys, build (the admin's "
                                                   "laptop: the project's wheel checked, no keys near), sign (the "
                                                   "checked files signed), "
                                                   "install-online-key, publish, usb (center server)")
    parser.add_argument("action", choices=["keys", "build", "sign", "install-online-key", "publish", "usb"])
    parser.add_argument("wheel", nargs="?", help="build: the project's release wheel, "
                                                 "loket_kecamatan-<version>-py3-none-any.whl; sign: the folder "
                                                 "build wrote (diperiksa-<version>)")
    parser.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS, help="center data folder")
    parser.add_argument("--keys", metavar="DIR", help="the release key folder (on the admin's USB stick); never "
                                                      "with build")
    parser.add_argument("--root", metavar="DIR", help="keys: the root key's folder, on another USB stick kept apart")
    parser.add_argument("--checked", metavar="DIR", help="build: where the checked files go (default: "
                                                         "diperiksa-<version> beside the wheel)")
    parser.add_argument("--version", help="the release's version, e.g. 0.2.0")
    parser.add_argument("--notes", help="what changed, in Indonesian, for the office admins")
    parser.add_argument("--wheels", metavar="DIR", help="folder of the release's wheels")
    parser.add_argument("--bundle", metavar="DIR", help="the signed release folder (written by sign, read by publish; "
                                                        "sign's default: rilis-<version> beside the checked folder)")
    parser.add_argument("--database-url", metavar="URL",
                        help="publish: the center's PostgreSQL database, when its data folder does not record it or "
                             "its password is kept nowhere else (as `run.py center --database-url`)")
    parser.add_argument("--to", metavar="FOLDER", help="usb: the folder on the USB stick for offices without a link "
                                                       "(only the release released to everyone)")
    parser.add_argument("--wheel-rilis", dest="held_wheel", metavar="WHEEL",
                        help="sign: the release wheel the admin downloaded from the project's release page and keeps "
                             "on this laptop; only its bytes and what its own lock names are signed")
    parser.add_argument("--pemeriksa", dest="checker", metavar="SIDIK",
                        help="sign: the fingerprint of the checker key of the machine that ran build, when not this "
                             "one (the center's server), as that machine printed it")
    parser.add_argument("--data-copy", action="append", metavar="FILE",
                        help="build: a backup of an office's real data, walked too (repeatable)")
    parser.add_argument("--kunci-pemulihan", dest="recovery_key", action="append", metavar="KUNCI",
                        help="build: the recovery key of --data-copy (one for all, or one per copy in order)")
    from loket_python import SUPPORTED
    parser.add_argument("--python", action="append", choices=SUPPORTED,
                        help="build: gather for this Python only (repeatable; default every supported one)")
    parser.add_argument("--platform", action="append", choices=["win_amd64", "manylinux_x86_64"],
                        help="build: gather for this platform only (repeatable; default both)")
    parser.set_defaults(handler=cmd_release)
