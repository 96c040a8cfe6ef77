-- Room on each new page of usage_events for the next versions of its rows. An event a daemon re-sends as it grows
-- (a turn streaming) is replaced in place: the new version is a HOT update — no new primary-key or BRIN entry —
-- only when it fits on the page of the one it replaces, whose dead version the next commit prunes. Pages filled to
-- the brim (100) leave none, so every replacement went to the table's last page with a new entry in each index
-- (0 % HOT in the 500-event commit scenario, 95–100 % at 80; BENCHMARKS.md, Session 8, hI3). Applies to pages
-- written from now on; a page holds about a fifth fewer events.
ALTER TABLE usage_events SET (fillfactor = 80);
