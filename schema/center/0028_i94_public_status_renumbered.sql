-- Issue 94, finding 6 (accept): the operator takes another PC's application in place of the one the center held
-- under a number, so the held one's PC gives its applicant a new number; that citizen's receipt (the old number and
-- its code) is an old receipt from then on. A counter PC before issue 72 never sends the old number with its moved
-- record, so the center keeps the held record's keyed code here, marked with when the center gave the number away:
-- /cek says the number was changed, not "tidak cocok".
ALTER TABLE "public_status_waiting" ADD COLUMN "renumbered_at" {DATETIME};
