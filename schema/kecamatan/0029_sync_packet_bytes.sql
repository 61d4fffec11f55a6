-- The packet size, in bytes on the wire, that the link's last sync pass ended with: the next pass
-- starts there instead of at its first guess (sync/client/engine.py, PacketSizer). 0: no pass yet.
ALTER TABLE "sync_link" ADD COLUMN "packet_bytes" INTEGER NOT NULL DEFAULT 0;
