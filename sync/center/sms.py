"""One SMS per event, consent only (issue 28): the card is ready for pickup; the complaint is closed.

The kecamatan sends the phone number with the public status record only when the citizen ticked
consent at the counter (`sms` in the record). The center keeps it sealed (sync/center/sealed.py)
beside the public record and never shows it on a page; when the record reaches an event step it
writes ONE message into gammu-smsd's own `outbox` table (its documented schema,
sync/center/gammu_pgsql.sql) in the same transaction as the record. `sms_message.key` (kecamatan,
number, event) is unique, so a resent packet, a retry after a kill or a newer version at the same
step writes nothing more. gammu-smsd, a separate program with the USB modem, sends what waits in
`outbox` and moves it to `sentitems`: when it is down the messages wait and go once it is back.

PostgreSQL only: gammu-smsd reads the center's own database through its pgsql driver. The SQLite
center is encrypted (apsw-sqlite3mc), which gammu cannot open, and a second, plain gateway file
would keep citizens' phone numbers unencrypted at rest; a center on SQLite refuses to start with
the gateway switched on (docs/operations.md "SMS").
"""
import re
import unicodedata
from pathlib import Path

from peewee import Tuple

from app.frame.audit_rule import act, nothing_done
from app.frame.dates import utc_now
from app.frame.privacy import mask
from sync.center import sealed
from sync.center.db import center_database, is_postgres
from sync.center.models import SmsConsent, SmsMessage
from sync.center.trail import no_ones_act

GATEWAY_SCHEMA = Path(__file__).with_name("gammu_pgsql.sql")
# The phone as the counter's form accepts it (app/frame/person_rules.py _PHONE).
PHONE = re.compile(r"^(?:\+62|62|0)8\d{7,11}$")
SMS_LENGTH = 160  # one GSM-7 message
# kind -> {step: event}: the steps that send a message.
EVENTS = {"ktp": {"siap": "siap"}, "pgd": {"selesai": "selesai", "bukan_kewenangan": "selesai"}}


class GatewayNeedsPostgres(RuntimeError):
    """The SMS gateway is switched on for a center on SQLite."""


def enabled(app) -> bool:
    return bool(app.config.get("SMS_GATEWAY"))


def check_gateway(app, db) -> None:
    """At start: the gateway's tables on PostgreSQL, or a clear refusal on SQLite."""
    if not enabled(app):
        return
    if not is_postgres(db):
        raise GatewayNeedsPostgres(
            "Gateway SMS (LOKET_CENTER_SMS_GATEWAY) hanya untuk pusat di PostgreSQL: gammu-smsd tidak dapat "
            "membuka basis data SQLite pusat yang terenkripsi. Lihat docs/operations.md bagian SMS.")
    install_gateway_tables(db)


def install_gateway_tables(db) -> None:
    """gammu-smsd's tables, created once (gammu checks table `gammu` for its schema version)."""
    if "gammu" in db.get_tables():
        return
    with no_ones_act("the gateway's schema and its version row"), db.atomic():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)" % 0x4C4B534D)  # two center processes starting
        if "gammu" not in db.get_tables():
            db.cursor().execute(GATEWAY_SCHEMA.read_text(encoding="utf-8"))  # one script: a function body has ';'


def phone_problem(value) -> str | None:
    if not (isinstance(value, str) and PHONE.match(value)):
        return "nomor HP untuk SMS tidak sah"
    return None


def international(phone: str) -> str:
    """081234567890 -> +6281234567890 (the modem dials it from any network)."""
    if phone.startswith("+"):
        return phone
    return "+62" + (phone[2:] if phone.startswith("62") else phone[1:])


def _gsm(text: str) -> str:
    """Plain letters only, so the message stays one 7-bit SMS (an office's '–' would make it UCS-2)."""
    text = text.replace("–", "-").replace("—", "-")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def message_text(kind: str, event: str, number: str, office: str, page: str) -> str:
    """The words of the one message; never a name or anything the page does not show."""
    where = f"Kantor Kecamatan {office}" if office else "kantor kecamatan"
    if kind == "ktp":
        text = f"KTP-el no. {number} siap diambil di {where}. Bawa tanda terima."
    else:
        text = f"Pengaduan {number} di {where} selesai ditindaklanjuti."
    if page and len(text) + len(page) + 5 <= SMS_LENGTH:
        text += f" Cek: {page}"
    return _gsm(text)[:SMS_LENGTH]


def message_key(kecamatan, number: str, event: str) -> str:
    return f"{kecamatan.code}|{number}|{event}"


def follow(app, kecamatan, number: str, record: dict, phone: str | None) -> None:
    """Inside store_public's transaction, after the newest record was stored: keep or drop the
    consent, and write the event's message once."""
    if not enabled(app):
        return  # no gateway: no phone is kept
    _keep_consent(kecamatan, number, phone)
    if phone is not None:
        _queue_message(app, kecamatan, number, record, phone)


@act("hapus", "simpan", "ubah")
def _keep_consent(kecamatan, number: str, phone: str | None) -> None:
    """The consent as the counter sent it: withdrawn, given, or its phone changed; each its line."""
    from sync.center.audit import audit
    consent = SmsConsent.get_or_none((SmsConsent.kecamatan == kecamatan.id) & (SmsConsent.number == number))
    if phone is None:
        if consent is None:
            return nothing_done()
        consent.delete_instance()  # withdrawn at the counter: the number is forgotten
        audit("hapus", "persetujuan_sms", number, f"Persetujuan SMS untuk {number} ditarik", username="sistem")
    elif consent is None:
        SmsConsent.create(kecamatan=kecamatan.id, number=number, phone_sealed=sealed.seal(phone), given_at=utc_now())
        audit("simpan", "persetujuan_sms", number,
              f"Persetujuan SMS untuk {number} diterima dari {kecamatan.name} (HP {mask('phone', phone)})",
              username="sistem")
    elif sealed.unseal(consent.phone_sealed) != phone:
        consent.phone_sealed = sealed.seal(phone)
        consent.save()
        audit("ubah", "persetujuan_sms", number, f"Nomor HP untuk SMS {number} diganti (HP {mask('phone', phone)})",
              username="sistem")
    else:
        nothing_done()  # the same phone again


@act("kirim")
def _queue_message(app, kecamatan, number: str, record: dict, phone: str) -> None:
    """The event's message into the gateway's outbox, once; none for a step that sends none."""
    from sync.center.audit import audit
    event = EVENTS.get(record["kind"], {}).get(record["step"])
    if event is None:
        return nothing_done()
    key = message_key(kecamatan, number, event)
    if SmsMessage.get_or_none(SmsMessage.key == key) is not None:
        return nothing_done()  # written before (a resent packet, a newer version at the same step, a retry after a kill)
    page = app.config.get("PUBLIC_URL", "")
    text = message_text(record["kind"], event, number, record.get("office") or kecamatan.name,
                        f"{page}/cek" if page else "")
    gateway_id = center_database.execute_sql(
        'INSERT INTO outbox ("DestinationNumber", "TextDecoded", "Coding", "CreatorID") '
        "VALUES (%s, %s, 'Default_No_Compression', %s) RETURNING \"ID\"",
        (international(phone), text, "loket:" + key)).fetchone()[0]
    SmsMessage.create(key=key, kecamatan=kecamatan.id, number=number, event=event, gateway_id=gateway_id,
                      written_at=utc_now())
    audit("kirim", "sms", number, f"SMS '{event}' untuk {number} masuk antrean gateway (HP {mask('phone', phone)})",
          username="sistem")


def forget_with(records) -> int:
    """With the public records (retention; a query of their kecamatan and number): their consents and phones."""
    return SmsConsent.delete().where(Tuple(SmsConsent.kecamatan, SmsConsent.number).in_(records)).execute()


def forget_sent(cutoff) -> int:
    """Retention: what the gateway sent for us before `cutoff` (its rows hold the phone number)."""
    return center_database.execute_sql(
        "DELETE FROM sentitems WHERE \"CreatorID\" LIKE 'loket:%%' AND \"SendingDateTime\" < %s", (cutoff,)).rowcount
