-- Push registrations and the push delivery log (docs/push.md).
--
-- One row per device: an FCM registration token or a Web Push subscription endpoint. The pair
-- (channel, address) has exactly one owner: registering it again (by anyone) moves it to the
-- caller and refreshes registered_at. A user keeps at most push.max-devices-per-user rows, both
-- channels counted together; the least recently registered are dropped first.
CREATE TABLE push_devices (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       TEXT        NOT NULL,
  channel       TEXT        NOT NULL CHECK (channel IN ('fcm', 'webpush')),
  -- FCM: the registration token; Web Push: the subscription endpoint URL
  address       TEXT        NOT NULL,
  -- FCM only: what the client said it is (fcm, android, ios, web)
  platform      TEXT,
  -- Web Push only: the subscription's keys, base64url as the browser gives them
  p256dh        TEXT,
  auth          TEXT,
  registered_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (channel, address)
);

CREATE INDEX push_devices_user_idx ON push_devices (user_id, registered_at DESC);

-- Every push attempt, successful or not. device_id has no foreign key on purpose: a pruned
-- device's attempts stay in the log. Rows older than retention.max-age-days are deleted.
CREATE TABLE push_attempts (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id BIGINT      NOT NULL,
  user_id         TEXT        NOT NULL,
  device_id       BIGINT      NOT NULL,
  channel         TEXT        NOT NULL,
  attempt         INT         NOT NULL,
  -- the push service's HTTP status; null when no response came (connection error, timeout)
  http_status     INT,
  -- delivered | retry | gone | failed
  outcome         TEXT        NOT NULL,
  detail          TEXT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX push_attempts_notification_idx ON push_attempts (notification_id);
CREATE INDEX push_attempts_created_at_idx ON push_attempts (created_at);
