-- Direct messages between two users (docs/messaging.md).
--
-- A message is one row here, the conversation's history. Its delivery goes through each
-- participant's notification stream: the same transaction inserts a notifications row (event
-- 'message:new', read = true so notification unread counts are not touched) for the receiver and
-- one for the sender, so a reconnect with lastNotificationId replays missed messages exactly as it
-- replays notifications (stored, then delivered, no gap, no duplicate; see V1 for the ordering).
CREATE TABLE messages (
  id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- private:{a}:{b} with the two user ids sorted
  conversation_id   TEXT        NOT NULL,
  sender_id         TEXT        NOT NULL,
  receiver_id       TEXT        NOT NULL,
  content           TEXT        NOT NULL,
  -- the sender's own id for the message: a repeat within messaging.dedup-window-ms is the same message
  client_message_id TEXT,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- history pages of one conversation, newest first
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id DESC);
-- duplicate look-up: the sender's newest message with that client id
CREATE INDEX messages_client_id_idx ON messages (sender_id, client_message_id, id DESC)
  WHERE client_message_id IS NOT NULL;
-- per-conversation unread counts (messages received after the reader's mark)
CREATE INDEX messages_receiver_idx ON messages (receiver_id, conversation_id, id);

-- One row per participant and conversation: the conversation list, and how far the user has read.
CREATE TABLE conversations (
  user_id         TEXT   NOT NULL,
  conversation_id TEXT   NOT NULL,
  peer_id         TEXT   NOT NULL,
  last_message_id BIGINT NOT NULL,
  -- messages received up to this id are read (0 = none)
  last_read_id    BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, conversation_id)
);

CREATE INDEX conversations_recent_idx ON conversations (user_id, last_message_id DESC);

-- user_id blocked blocked_id: neither may send the other a direct message or typing indicator.
CREATE TABLE user_blocks (
  user_id    TEXT        NOT NULL,
  blocked_id TEXT        NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, blocked_id)
);

CREATE INDEX user_blocks_blocked_idx ON user_blocks (blocked_id, user_id);
