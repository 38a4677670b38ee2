-- The unread count a stored notification's live frame carries, read in the insert's own
-- statement (SqlQueries.INSERT_COUNTED), so a notification costs one round trip, not two.
--
-- It is a function, and VOLATILE, on purpose: a query inside a volatile function takes a fresh
-- snapshot when it runs, which is after the insert took the user's advisory lock (V1), so every
-- earlier commit of that user is counted. A subquery in the statement itself would use the
-- statement's snapshot, taken before the lock, and miss inserts that committed while it waited.
-- PL/pgSQL keeps it from being inlined into the calling statement. The inserted row is excluded
-- by id (whether the function sees the calling statement's own insert is not relied on); the
-- caller adds one for it.
CREATE FUNCTION herald_unread_count_except(p_user text, p_except bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN (SELECT count(*) FROM notifications WHERE user_id = p_user AND NOT read AND id <> p_except);
END
$$;
