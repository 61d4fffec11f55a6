-- Issue 42: a counter PC taken over by another (keys.replace_device) may have numbered after the
-- backup the other PC restored. The taking-over PC names the last sequence of the code that backup
-- held; the replaced PC is told it when refused, and sends what it numbered above it itself.
-- NULL: not known (a takeover made before this level, or by an older office version).
ALTER TABLE "device_key" ADD COLUMN "restored_up_to" INTEGER;
