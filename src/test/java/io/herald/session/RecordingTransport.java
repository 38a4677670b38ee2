package io.herald.session;

import io.herald.protocol.ServerFrame;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link Transport} that records what a session writes and how it closes, for tests without a network. */
final class RecordingTransport implements Transport {
  private final BlockingQueue<ServerFrame> frames = new LinkedBlockingQueue<>();
  private final BlockingQueue<Short> closes = new LinkedBlockingQueue<>();
  /** While true, writes are refused as a full outbound queue would refuse them. */
  volatile boolean full;
  volatile boolean replayFailed;

  @Override
  public boolean write(ServerFrame frame) {
    if (full) {
      return false;
    }
    frames.add(frame);
    return true;
  }

  @Override
  public void close(short code, String reason) {
    closes.add(code);
  }

  @Override
  public String kind() {
    return "recording";
  }

  @Override
  public void replayFailed() {
    replayFailed = true;
  }

  /** The next frame written, waiting up to 5 s. */
  ServerFrame next() {
    return poll(frames, "no frame written");
  }

  /** The close code, waiting up to 5 s. */
  short closedWith() {
    return poll(closes, "not closed");
  }

  private static <T> T poll(BlockingQueue<T> queue, String failure) {
    try {
      T item = queue.poll(5, TimeUnit.SECONDS);
      if (item == null) {
        throw new AssertionError(failure + " within 5 s");
      }
      return item;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Nothing more written so far. */
  boolean quiet() {
    return frames.isEmpty();
  }
}
