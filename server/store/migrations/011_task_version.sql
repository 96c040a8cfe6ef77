-- A runtime's task version, bumped in the same statement as every task write of the runtime (tasks.ts), so an
-- activity answer cached under a version is exact for as long as that version is current, on every node; the twin
-- of runtimes.usage_version (002), kept apart so a task write does not throw away the runtime's cached usage views.
-- A table of its own, not a column of runtimes: a commit locks these rows last, in runtime order, after the
-- runtimes rows its usage write bumped, so two commits crossing runtimes never deadlock. No row: version 0.
CREATE TABLE runtime_task_versions (
  runtime_id uuid PRIMARY KEY,
  version bigint NOT NULL
);
