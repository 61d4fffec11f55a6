-- Photos recompressed for the trip to the center (Lepton, sync/jpeg_transit.py), made when the
-- record enters the outbox so that the sync pass does not spend its time on them. Keyed by the
-- photo's own SHA-256: a changed photo never finds the old stream. `stream` NULL: the codec
-- refused this photo (or its round trip differed), it travels as it is. In the database, so as
-- encrypted at rest as the photo itself; a row goes when its outbox item is acknowledged.
CREATE TABLE "sync_photo_transit" (
    "photo_sha256" VARCHAR(64) NOT NULL,
    "codec" VARCHAR(16) NOT NULL,
    "stream" BLOB,
    "made_at" DATETIME NOT NULL,
    PRIMARY KEY ("photo_sha256", "codec")
);
