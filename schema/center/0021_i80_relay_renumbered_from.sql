-- Issue 80: the number a relayed form's application had before the step that gave it its new one: the
-- counter PC's "nomor_diganti" step, or the next step of a PC of an older version that takes a renumber
-- without sending that step (relay.store_status takes it as the renumber). The inbox carries such rows to
-- the kecamatan's other counter PCs as renumbers.
ALTER TABLE "relay_status" ADD COLUMN "renumbered_from" VARCHAR(255) NOT NULL DEFAULT '';
