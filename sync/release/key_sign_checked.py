"""`run.py release sign CHECKED --wheel-rilis WHEEL --keys E:\\kunci-rilis`: a checked folder signed with the
targets key when its files are the admin's own release (issue 88 finding 1). It may open a key, so it runs
nothing of a candidate and imports no `candidate_*` module: the check may have run at the center's server,
and no machine's word is trusted. The app wheel must be byte for byte the release wheel the admin
downloaded and keeps (WHEEL), every other file must carry a sha256 that WHEEL's own lock names, each
target's closure as that lock chooses; only then is the manifest read, its checker's signature against
the checker keys the key folder pins and its verdict shown as what it is, word on quality. It refuses a
version not newer than the key folder's signed log, and signs exactly those files with targets.pem alone
(the root key stays on its own stick)."""
import json
from pathlib import Path

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from loket_python import SUPPORTED
from sync.release import dependency_lock, key_checker
from sync.release.dependency_lock import OFFICE_LOCK, LockError
from sync.release.key_signing import KEY_FILES, ReleaseError, sign_release
from sync.release.release_wheel import (APP_WHEEL_PREFIX, CHECKED_MANIFEST, CHECKED_WHEELS, PASSED, PLATFORMS,
                                        AppWheel, read_app_wheel, sha256, target_environment)


def sign_checked(checked: Path, key_folder: Path, held: Path, bundle: Path | None = None, say=print,
                 checker: str | None = None) -> Path:
    """Sign a checked folder's files when they are the admin's own release (issue 88 finding 1); no
    candidate code runs. Trusted are the bytes the admin holds: the app wheel must be, byte for byte,
    `held` (the release wheel downloaded from the project's release page and kept on this laptop), and
    every other wheel must carry a sha256 that `held`'s own lock names, each target's closure exactly
    the files of the lock lines that target installs. The checker's record (key_checker.py) then only
    says how the check went: a verdict "lulus" by a checker key the key folder trusts (`checker`: the
    fingerprint of another machine's, typed), shown as that. So whoever holds a checker key (a taken
    center) can at most say "lulus" about the genuine release. ReleaseError naming the file, nothing
    signed, for anything else, and for a version not newer than the key folder's signed log."""
    checked, key_folder, held = Path(checked), Path(key_folder), Path(held)
    if not (key_folder / KEY_FILES["targets"]).exists():
        raise ReleaseError(f"Folder kunci {key_folder} tidak berisi kunci rilis (targets.pem): periksa flashdisk "
                           "dan huruf drive-nya.")
    if not held.is_file():
        raise ReleaseError(f"Wheel rilis {held} tidak ditemukan: sebutkan dengan --wheel-rilis wheel yang Anda unduh "
                           "sendiri dari halaman rilis proyek. Tidak ada yang ditandatangani.")
    if checked.resolve() in held.resolve().parents:
        raise ReleaseError(f"Wheel rilis {held} ada di dalam folder yang diperiksa: itu salinan komputer pemeriksa, bukan "
                           "unduhan Anda. Sebutkan dengan --wheel-rilis wheel yang Anda unduh sendiri dari halaman rilis "
                           "proyek. Tidak ada yang ditandatangani.")
    app = read_app_wheel(held)
    folder = checked / CHECKED_WHEELS
    try:
        envelope = json.loads((checked / CHECKED_MANIFEST).read_text("utf-8"))
        present = {path.name: sha256(path) for path in sorted(folder.iterdir())}
    except (OSError, ValueError):
        raise ReleaseError(f"{checked} bukan folder hasil release build (tidak ada {CHECKED_MANIFEST} yang terbaca): "
                           "jalankan dulu release build untuk wheel rilis. Tidak ada yang ditandatangani.") from None
    try:
        pins = dependency_lock.parse(app.lock)
    except LockError as problem:
        raise ReleaseError(f"Daftar versi di wheel {held.name} ({OFFICE_LOCK}) tidak dapat dipakai: {problem} "
                           "Tanyakan ke proyek; tidak ada yang ditandatangani.") from None
    _refuse_unheld(checked, app, present, pins)
    manifest, by, new_checkers = key_checker.verified(envelope, key_folder, CHECKED_MANIFEST, checker)
    try:
        hashes, closure = dict(manifest["files"]), dict(manifest["closure"])
        verdict, pages = str(manifest["verdict"]), manifest.get("pages")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ReleaseError(f"{checked} bukan folder hasil release build (tidak ada {CHECKED_MANIFEST} yang terbaca): "
                           "jalankan dulu release build untuk wheel rilis. Tidak ada yang ditandatangani.") from None
    changed = sorted(name for name in set(present) & set(hashes) if present[name] != hashes[name])
    added, missing = sorted(set(present) - set(hashes)), sorted(set(hashes) - set(present))
    if changed or added or missing:
        said = ([f"- berubah sesudah diperiksa: {name}" for name in changed]
                + [f"- tidak ikut diperiksa: {name}" for name in added] + [f"- hilang: {name}" for name in missing])
        raise ReleaseError("Isi folder yang diperiksa tidak sama dengan yang diperiksa:\n" + "\n".join(said)
                           + "\nTidak ada yang ditandatangani: jalankan lagi release build dari wheel yang diunduh dari "
                           "halaman rilis proyek.")
    if manifest.get("version") != app.version or manifest.get("app") != held.name:
        raise ReleaseError(f"{CHECKED_MANIFEST} berbicara tentang {manifest.get('app')} versi {manifest.get('version')}, "
                           f"bukan wheel rilis Anda {held.name}: tidak ada yang ditandatangani.")
    wrong = closure_problems(closure, app, present, pins)
    if wrong:
        raise ReleaseError(f"Daftar paket per komputer di {CHECKED_MANIFEST} tidak sama dengan daftar versi di wheel "
                           f"rilis Anda ({OFFICE_LOCK}):\n" + "\n".join(wrong) + "\nTidak ada yang ditandatangani: "
                           "ulangi release build dari wheel rilis yang Anda unduh sendiri; bila terulang, laporkan ke proyek.")
    if verdict != PASSED:
        raise ReleaseError("Rilis di folder ini tidak lulus pemeriksaan: tidak ada yang ditandatangani.")
    say(f"Pemeriksa {by} menyatakan rilis {app.version} lulus ({pages} halaman diperiksa): itu keterangan mutu. Yang "
        f"ditandatangani adalah wheel rilis Anda sendiri ({held.name}) dan {len(present) - 1} wheel pendukung yang "
        "sidiknya disebut daftar versi di dalamnya.")
    if (key_folder / KEY_FILES["root"]).exists():
        say(f"Peringatan: kunci root ({KEY_FILES['root']}) ada di {key_folder}. Kunci root tidak diperlukan untuk rilis: "
            "pindahkan ke flashdisk lain yang disimpan terkunci (docs/operations.md, Siapa memegang kunci apa).")
    bundle = Path(bundle) if bundle else checked.resolve().parent / f"rilis-{app.version}"
    files = [folder / held.name, *sorted(folder / name for name in present if name != held.name)]
    signed = sign_release(key_folder, app.version, app.notes, files, bundle, requires=app.requires,
                          closure=closure, expected=present)
    key_checker.pin_new(key_folder, new_checkers, say)
    size = sum(f.stat().st_size for f in signed.rglob("*") if f.is_file())
    say(f"Rilis {app.version} ditandatangani: {signed} ({len(files)} wheel, {size / 1e6:.0f} MB).")
    return signed


def _refuse_unheld(checked: Path, app: AppWheel, present: dict[str, str], pins: list) -> None:
    """ReleaseError naming each file of the checked folder that is not the admin's release: an app wheel
    other than the held one's bytes, a wheel whose sha256 the held wheel's lock does not name."""
    locked = {digest.removeprefix("sha256:") for pin in pins for digest in pin.hashes}
    own = sha256(app.path)
    problems = [] if app.path.name in present else [f"- {app.path.name}: tidak ada di folder yang diperiksa"]
    for name, digest in present.items():
        if name == app.path.name and digest != own:
            problems.append(f"- {name}: tidak sama byte demi byte dengan wheel rilis Anda ({app.path})")
        elif name != app.path.name and name.startswith(APP_WHEEL_PREFIX):
            problems.append(f"- {name}: bukan wheel rilis yang Anda pegang ({app.path.name})")
        elif name != app.path.name and digest not in locked:
            problems.append(f"- {name}: sidik sha256-nya tidak disebut daftar versi di wheel rilis Anda")
    if problems:
        raise ReleaseError(f"Folder {checked} bukan rilis dari wheel rilis Anda ({app.path.name}):\n" + "\n".join(problems)
                           + "\nTidak ada yang ditandatangani. Komputer yang membuat folder ini tidak dapat dipercaya "
                           "untuk rilis ini: ulangi release build dari wheel rilis yang Anda unduh sendiri, dan laporkan "
                           "ke proyek bila terulang.")


def closure_problems(closure: dict, app: AppWheel, present: dict[str, str], pins: list) -> list[str]:
    """What a checked folder's per-target closure (release.json's, what each PC installs:
    app/updates/fetching.closure_wheels) has that the held wheel's lock does not say, one line each:
    every target lists the app wheel and, for each lock line its markers choose, the one file of the
    folder whose sha256 that line names; nothing else."""
    problems = []
    for target, names in closure.items():
        python, _, platform = str(target).partition("-")
        if python not in SUPPORTED or platform not in PLATFORMS or not isinstance(names, list):
            problems.append(f"- {target}: bukan Python dan sistem yang dikumpulkan release build")
            continue
        where = f"Python {python} di {PLATFORMS[platform]['label']}"
        try:
            chosen = dependency_lock.for_target(pins, target_environment(python, platform))
        except LockError as problem:
            problems.append(f"- {where}: {problem}")
            continue
        listed = set()
        for name in map(str, names):
            if name == app.path.name:
                continue
            try:
                pin = chosen.get(parse_wheel_filename(name)[0])
            except InvalidWheelFilename:
                pin = None
            if pin is None or f"sha256:{present.get(name)}" not in pin.hashes or pin.name in listed:
                problems.append(f"- {name}: tidak dipasang {where} menurut daftar versi")
            else:
                listed.add(pin.name)
        problems += [f"- {where}: tanpa {app.path.name}"] * (app.path.name not in names)
        problems += [f"- {where}: tanpa {chosen[name].name}=={chosen[name].version}" for name in sorted(set(chosen) - listed)]
    return problems
