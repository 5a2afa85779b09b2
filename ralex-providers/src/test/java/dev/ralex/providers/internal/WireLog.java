package dev.ralex.providers.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures what {@link HttpLog} writes while open: turns its logger to TRACE and collects the formatted lines;
 * {@link #close()} restores the logger. For tests of wire logging.
 */
public final class WireLog implements AutoCloseable {
  private final Logger logger = (Logger) LoggerFactory.getLogger(HttpLog.LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Level previous;

  /** Starts capturing at {@code level} (DEBUG: requests and responses; TRACE: bodies too). */
  public WireLog(Level level) {
    previous = logger.getLevel();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(level);
  }

  /** The lines so far, formatted, each prefixed with its level. */
  public List<String> lines() {
    synchronized (appender) { // AppenderBase.doAppend holds this lock while it appends.
      return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }
  }

  /** All lines as one text, for searching. */
  public String text() {
    return String.join("\n", lines());
  }

  @Override
  public void close() {
    logger.setLevel(previous);
    logger.detachAppender(appender);
    appender.stop();
  }
}
