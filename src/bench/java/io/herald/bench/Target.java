package io.herald.bench;

/** What a publisher sends to: one room or everyone (fan-out), or users in turn (notifications, one user per message). */
sealed interface Target {
  /** How many member sockets receive each message. */
  int receiversPerMessage();

  /** A room and how many sockets are in it. */
  record Room(String name, int members) implements Target {
    @Override
    public int receiversPerMessage() {
      return members;
    }
  }

  /** Every session of the server (Herald's broadcast), {@code members} of them. */
  record Broadcast(int members) implements Target {
    @Override
    public int receiversPerMessage() {
      return members;
    }
  }

  /**
   * Users {@code firstUser .. firstUser + count - 1}, one connected socket each; message {@code seq}
   * goes to user {@code firstUser + seq % count} (round robin).
   */
  record Users(int firstUser, int count) implements Target {
    String userId(long seq) {
      return ServerKind.userId(firstUser + (int) (seq % count));
    }

    @Override
    public int receiversPerMessage() {
      return 1;
    }
  }
}
