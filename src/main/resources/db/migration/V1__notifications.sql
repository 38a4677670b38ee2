-- Stored notifications: replay after reconnect, history, read state.
--
-- Ordering: within one user, id order is commit order. A sequence alone does not give that
-- (two concurrent inserts can take 7 then 8 and commit 8 first, so a reader replaying
-- "after 7" could see 8, move on, and never see 7). Every insert therefore first takes
-- pg_advisory_xact_lock(hashtext(user_id)) in its own transaction (see PgNotificationStore):
-- inserts for one user are serialised, the id is drawn while holding the lock, and the lock
-- is released only after the commit is visible. Different users rarely share a hash, so they
-- do not wait for each other. Ids are unique and increasing per user, not gap-free.
CREATE TABLE notifications (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    TEXT        NOT NULL,
  -- the client event name: 'notification', or a custom event a producer asked to persist
  event      TEXT        NOT NULL DEFAULT 'notification',
  type       TEXT,
  title      TEXT,
  message    TEXT,
  data       JSONB,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  read       BOOLEAN     NOT NULL DEFAULT false
);

-- replay (after), history pages, per-user retention
CREATE INDEX notifications_user_id_idx ON notifications (user_id, id DESC);
-- unread counts and unread lists stay small however long the history is
CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE NOT read;
-- age-based retention
CREATE INDEX notifications_created_at_idx ON notifications (created_at);
