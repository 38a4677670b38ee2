-- Room history (docs/messaging.md): events published to rooms whose prefix rooms.history-prefixes
-- lists, by members ('publish') or by backends ('persist': true), kept per room within
-- rooms.history-max-per-room and rooms.history-max-age-days.
--
-- Ordering: within one room, id order is commit order, as for a user's notifications (V1): every
-- insert takes pg_advisory_xact_lock(2, hashtext(room)) first (the two-key form, so room locks
-- never collide with the one-key user locks). A member that rejoins with "since": id therefore
-- misses nothing and gets nothing twice.
CREATE TABLE room_events (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room       TEXT        NOT NULL,
  event      TEXT        NOT NULL,
  data       JSONB,
  -- the publishing user; null for a backend's event
  from_user  TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- replay after an id, pages before an id, per-room retention
CREATE INDEX room_events_room_idx ON room_events (room, id DESC);
-- age-based retention
CREATE INDEX room_events_created_at_idx ON room_events (created_at);
