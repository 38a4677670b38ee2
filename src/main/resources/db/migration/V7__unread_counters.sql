-- Kept unread counts (issue #15): every notification used to be answered with a count(*) of its
-- user's unread rows, so its cost grew with the user's backlog. unread_counters keeps the count,
-- and triggers keep it exact whatever writes the table (an insert, a mark-read, the retention
-- purge, a direct message's already-read delivery rows, a hand-written statement): the count moves
-- in the same transaction as the rows, so it commits, or not, with them.
--
-- The triggers are per statement, with transition tables, so a batch or a mark-all-read touches
-- each user's counter once. Counters are updated in user_id order, so two statements that touch
-- several users' counters (a batch, the purge) take their row locks in one order and cannot
-- deadlock on them.
CREATE TABLE unread_counters (
  user_id TEXT   PRIMARY KEY,
  count   BIGINT NOT NULL
);

INSERT INTO unread_counters (user_id, count)
SELECT user_id, count(*) FROM notifications WHERE NOT read GROUP BY user_id;

CREATE FUNCTION herald_unread_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO unread_counters (user_id, count)
  SELECT user_id, count(*) FROM new_rows WHERE NOT read GROUP BY user_id ORDER BY user_id
  ON CONFLICT (user_id) DO UPDATE SET count = unread_counters.count + EXCLUDED.count;
  RETURN NULL;
END
$$;

CREATE FUNCTION herald_unread_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
BEGIN
  FOR r IN
    SELECT n.user_id, sum((NOT n.read)::int - (NOT o.read)::int) AS delta
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    GROUP BY n.user_id
    HAVING sum((NOT n.read)::int - (NOT o.read)::int) <> 0
    ORDER BY n.user_id
  LOOP
    INSERT INTO unread_counters (user_id, count) VALUES (r.user_id, r.delta)
    ON CONFLICT (user_id) DO UPDATE SET count = unread_counters.count + EXCLUDED.count;
  END LOOP;
  RETURN NULL;
END
$$;

CREATE FUNCTION herald_unread_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
BEGIN
  FOR r IN
    SELECT user_id, count(*) AS n FROM old_rows WHERE NOT read GROUP BY user_id ORDER BY user_id
  LOOP
    UPDATE unread_counters SET count = count - r.n WHERE user_id = r.user_id;
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER notifications_unread_insert AFTER INSERT ON notifications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_unread_after_insert();
CREATE TRIGGER notifications_unread_update AFTER UPDATE ON notifications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_unread_after_update();
CREATE TRIGGER notifications_unread_delete AFTER DELETE ON notifications
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_unread_after_delete();

-- The count a stored notification's live frame carries (SqlQueries.INSERT_COUNTED): the user's
-- counter as committed when the insert holds the user's lock (V4 explains the fresh snapshot). The
-- insert's own row is not in it yet (the statement's trigger runs after the statement); the caller
-- adds one. p_except is kept for the callers' signature.
CREATE OR REPLACE FUNCTION herald_unread_count_except(p_user text, p_except bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN COALESCE((SELECT count FROM unread_counters WHERE user_id = p_user), 0);
END
$$;
