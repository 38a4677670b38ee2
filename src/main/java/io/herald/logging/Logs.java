package io.herald.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.herald.config.HeraldConfig;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * The process's log format (log.format): the readable lines of {@code logback.xml}, or one JSON
 * object per line (Logstash's encoder: {@code @timestamp}, {@code level}, {@code logger_name},
 * {@code thread_name}, {@code message}, {@code stack_trace}, the node id, and the MDC keys of
 * {@link Mdc}). Logback is configured before Herald's configuration is read, so the format is
 * switched here, on the console appender, once the configuration is known.
 */
public final class Logs {
  /** The context property (a field of every JSON line) holding the node id. */
  public static final String NODE = "node";

  private Logs() {}

  /** Applies log.format to the console appender of {@code logback.xml}. */
  public static void configure(HeraldConfig config) {
    if (!config.jsonLogs() || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Appender<ILoggingEvent> appender = root.getAppender("STDOUT");
    if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) {
      return;
    }
    LogstashEncoder json = new LogstashEncoder();
    json.setContext(context);
    json.setIncludeCallerData(false);
    json.start();
    console.stop();
    console.setEncoder(json);
    console.start();
  }

  /** Names the node in every later line (a context property, so one node per process). */
  public static void nodeStarted(String nodeId) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.putProperty(NODE, nodeId);
    }
  }
}
