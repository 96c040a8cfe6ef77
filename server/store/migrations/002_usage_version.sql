-- Bumped in the same transaction as every usage write of the runtime, so a history view cached under a version
-- is exact for as long as that version is current, on every node.
ALTER TABLE runtimes ADD COLUMN usage_version bigint NOT NULL DEFAULT 0;
