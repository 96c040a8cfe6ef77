-- Bumped in the same statement as every task write of the runtime (tasks.ts), so an activity answer cached under a
-- version is exact for as long as that version is current, on every node; the twin of usage_version (002), kept
-- apart so a task write does not throw away the runtime's cached usage views.
ALTER TABLE runtimes ADD COLUMN task_version bigint NOT NULL DEFAULT 0;
