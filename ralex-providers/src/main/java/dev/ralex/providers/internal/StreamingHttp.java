package dev.ralex.providers.internal;

import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.ProviderException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import okhttp3.Headers;
import okio.Buffer;

/**
 * The streaming transport of Ralex's providers: the JDK's {@link HttpClient}, whose one selector thread serves
 * every connection, so a thousand open streams need no thousand threads (OkHttp reads a body with blocking I/O,
 * a dispatcher thread per open stream). Bytes arrive as {@link Flow} items and are pushed through an {@link
 * SseDecoder}; the next item is requested only after one has been handled, so a slow handler slows the server
 * down instead of filling the heap.
 *
 * <p>Shared state: one {@link HttpClient} per connect timeout for the whole process (its selector thread and
 * connection pool), a small shared pool of daemon threads ({@value #THREADS}) on which the client completes
 * responses and delivers bytes, and one shared scheduler thread for read timeouts. Plain {@code http://} URLs are
 * sent as HTTP/1.1, so the client never tries an h2c upgrade on a server that does not expect one; {@code
 * https://} may negotiate HTTP/2.
 *
 * <p>Read timeout: as OkHttp's, a stream fails with a timeout when no byte arrives for {@code readTimeout}
 * (waiting for the headers included); a zero duration means no limit.
 *
 * <p>Thread-safe; instances are immutable and cheap. Handler callbacks of one exchange never overlap and run in
 * order, on whichever shared thread delivers them; they must not block for long, as the pool is shared.
 */
public final class StreamingHttp {
  private static final int THREADS = 4;
  /** How much of a body past its last event is read (and dropped) to keep the connection, before closing it. */
  private static final long MAX_DRAIN_BYTES = 64L * 1024;
  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMinutes(10);
  private static final Map<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();
  private static final StreamingHttp SHARED = new StreamingHttp(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT);

  private final HttpClient client;
  private final Duration readTimeout;

  private StreamingHttp(Duration connectTimeout, Duration readTimeout) {
    this.client = CLIENTS.computeIfAbsent(connectTimeout, StreamingHttp::newClient);
    this.readTimeout = readTimeout;
  }

  /** The transport with the defaults: 10 s to connect, 10 minutes without a byte before a stream times out. */
  public static StreamingHttp shared() {
    return SHARED;
  }

  /**
   * A transport with these timeouts; the client underneath is shared with every other transport of the same
   * connect timeout.
   *
   * @param connectTimeout the longest wait for a connection; zero for none
   * @param readTimeout the longest silence on a stream; zero for none
   */
  public static StreamingHttp of(Duration connectTimeout, Duration readTimeout) {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    if (connectTimeout.isNegative() || readTimeout.isNegative()) {
      throw new IllegalArgumentException("timeouts must not be negative");
    }
    return new StreamingHttp(connectTimeout, readTimeout);
  }

  /** The longest silence a stream is allowed; zero for none. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** A request builder for {@code uri}, with the HTTP version this transport uses for it. */
  public static HttpRequest.Builder request(java.net.URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      b.version(HttpClient.Version.HTTP_1_1); // No h2c upgrade attempt against a plain-text server.
    }
    return b;
  }

  /**
   * Copies {@code headers} onto {@code request}, leaving out those the JDK client sets itself and refuses
   * ({@code Connection}, {@code Content-Length}, {@code Expect}, {@code Host}, {@code Upgrade}).
   */
  public static void copyHeaders(Headers headers, HttpRequest.Builder request) {
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      switch (name.toLowerCase(java.util.Locale.ROOT)) {
        case "connection", "content-length", "expect", "host", "upgrade" -> { }
        default -> request.header(name, headers.value(i));
      }
    }
  }

  /** The JDK's headers as OkHttp's, for the helpers that read them ({@link RateLimitHeaders}, {@link RetryHints}). */
  public static Headers headers(HttpHeaders headers) {
    Headers.Builder b = new Headers.Builder();
    headers.map().forEach((name, values) -> {
      if (!name.startsWith(":")) { // HTTP/2 pseudo-headers are not headers.
        for (String value : values) {
          b.addUnsafeNonAscii(name, value);
        }
      }
    });
    return b.build();
  }

  /** How the body of a response is to be read. */
  public enum BodyMode {
    /** As server-sent events, each handed to {@link Receiver#onEvent}. */
    EVENTS,
    /** Whole, up to {@link Json#MAX_BODY_BYTES} (more fails the exchange), handed to {@link Receiver#onBody}. */
    WHOLE,
    /** At most {@link Bodies#MAX_ERROR_BODY_BYTES}, the rest discarded, handed to {@link Receiver#onBody}. */
    ERROR_PREFIX
  }

  /**
   * What an exchange reports, in order: {@link #onResponse}, then events or one body, then exactly one of {@link
   * #onEnd} and {@link #onFailure} (or {@link #onFailure} alone, before any response). Calls never overlap. An
   * exception thrown from a callback aborts the exchange and comes back through {@link #onFailure} (after {@link
   * #onBody} or {@link #onEnd} too: a body the receiver cannot map still ends in an error).
   */
  public interface Receiver extends SseDecoder.Listener {
    /** The status and headers arrived; the answer says how to read the body. */
    BodyMode onResponse(int status, Headers headers);

    /** The body, for {@link BodyMode#WHOLE} and {@link BodyMode#ERROR_PREFIX}; the exchange then ends. */
    void onBody(String body);

    /**
     * The event body ended.
     *
     * @param clean as {@link SseDecoder#end}: false if the body was cut off inside an event
     */
    void onEnd(boolean clean);

    /**
     * The exchange failed: an {@link IOException} from the network (a {@link SocketTimeoutException} for the
     * read timeout), or what a callback threw.
     *
     * @param cancelled whether {@link Exchange#cancel()} was called
     */
    void onFailure(Throwable failure, boolean cancelled);
  }

  /**
   * Sends {@code request} and reports to {@code receiver}; returns at once.
   *
   * @return the exchange, to cancel it
   */
  public Exchange send(HttpRequest request, Receiver receiver) {
    return start(request, null, receiver);
  }

  /**
   * Sends {@code request} as a POST of {@code body} and reports to {@code receiver}; returns at once. Unlike
   * {@link #send}, the body is in hand, so wire logging ({@link HttpLog}) can show it.
   *
   * @return the exchange, to cancel it
   */
  public Exchange post(HttpRequest.Builder request, byte[] body, Receiver receiver) {
    return start(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), body, receiver);
  }

  /** Maps a whole response (the body cut at the error-body limit when the status is not 2xx) to a result. */
  @FunctionalInterface
  public interface WholeResponse<T> {
    /**
     * The result of the exchange.
     *
     * @throws IOException if the body cannot be read as the format requires
     * @throws LlmException for an error the response reports
     */
    T map(int status, Headers headers, String body) throws IOException;
  }

  /**
   * Sends {@code request} as a POST of {@code body} and completes the returned future with {@code mapper}'s
   * result once the whole response is in, holding no thread while the server works: the non-blocking form of a
   * blocking call. A 2xx body is read up to {@link Json#MAX_BODY_BYTES} (more fails the call); any other status's
   * body up to {@link Bodies#MAX_ERROR_BODY_BYTES}. Cancelling the future cancels the exchange.
   *
   * @param failure maps a network failure (and whether the caller cancelled) to the exception the future fails
   *     with; an {@link LlmException} from {@code mapper} fails it as it is
   */
  public <T> CompletableFuture<T> postForWhole(HttpRequest.Builder request, byte[] body, WholeResponse<T> mapper,
      BiFunction<IOException, Boolean, LlmException> failure) {
    WholeReceiver<T> receiver = new WholeReceiver<>(mapper, failure);
    Exchange exchange = post(request, body, receiver);
    receiver.future.whenComplete((r, t) -> {
      if (receiver.future.isCancelled()) {
        exchange.cancel();
      }
    });
    return receiver.future;
  }

  /** The receiver of {@link #postForWhole}: one body, mapped once. */
  private static final class WholeReceiver<T> implements Receiver {
    final CompletableFuture<T> future = new CompletableFuture<>();
    private final WholeResponse<T> mapper;
    private final BiFunction<IOException, Boolean, LlmException> failure;
    private int status;
    private Headers headers;

    WholeReceiver(WholeResponse<T> mapper, BiFunction<IOException, Boolean, LlmException> failure) {
      this.mapper = mapper;
      this.failure = failure;
    }

    @Override
    public BodyMode onResponse(int status, Headers headers) {
      this.status = status;
      this.headers = headers;
      return status >= 200 && status < 300 ? BodyMode.WHOLE : BodyMode.ERROR_PREFIX;
    }

    @Override
    public void onBody(String body) {
      try {
        future.complete(mapper.map(status, headers, body));
      } catch (IOException e) {
        future.completeExceptionally(failure.apply(e, false));
      }
    }

    @Override
    public boolean onEvent(String type, String data) {
      return true; // Never called: whole bodies only.
    }

    @Override
    public void onEnd(boolean clean) {
      // Never called: whole bodies only.
    }

    @Override
    public void onFailure(Throwable t, boolean cancelled) {
      if (t instanceof LlmException e) {
        future.completeExceptionally(e);
      } else if (t instanceof IOException e) {
        future.completeExceptionally(failure.apply(e, cancelled));
      } else {
        future.completeExceptionally(new ProviderException("handling the response failed: " + t,
            false, ErrorDetails.NONE, t));
      }
    }
  }

  private Exchange start(HttpRequest request, byte[] body, Receiver receiver) {
    Exchange exchange = new Exchange(receiver, readTimeout);
    if (HttpLog.enabled()) {
      Headers headers = headers(request.headers());
      exchange.logAs(request.uri().toString(), HttpLog.secrets(headers));
      long length = body != null ? body.length : request.bodyPublisher().map(p -> p.contentLength()).orElse(0L);
      HttpLog.request(request.method(), request.uri().toString(), headers, length, body, exchange.secrets);
    }
    exchange.start(client, request);
    return exchange;
  }

  /**
   * One request and its response. {@link #cancel()} may be called from any thread, any number of times.
   */
  public static final class Exchange implements Flow.Subscriber<List<ByteBuffer>> {
    private final Receiver receiver;
    private final long readTimeoutNanos;
    private final AtomicBoolean done = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingTasks = new AtomicInteger();
    private volatile boolean cancelled;
    private volatile long lastActivity = System.nanoTime();
    private volatile Flow.Subscription subscription;
    private volatile CompletableFuture<HttpResponse<Void>> response;
    private volatile ScheduledFuture<?> timer;
    private final CompletableFuture<Void> transferEnded = new CompletableFuture<>();
    // Touched only inside serial tasks.
    private BodyMode mode;
    private SseDecoder decoder;
    private Buffer body;
    private long bodyLimit;
    private volatile boolean draining; // written in serial tasks, read by the timer too
    private long drained;

    // Wire logging: set before the exchange starts when HttpLog is enabled; url stays null otherwise.
    private String url;
    private List<String> secrets = List.of();
    private final long startNanos = System.nanoTime();

    Exchange(Receiver receiver, Duration readTimeout) {
      this.receiver = Objects.requireNonNull(receiver, "receiver");
      this.readTimeoutNanos = readTimeout.toNanos();
    }

    private void logAs(String url, List<String> secrets) {
      this.url = url;
      this.secrets = secrets;
    }

    /**
     * Completes once the transfer is over: the body read to its end (after the receiver may already have ended,
     * see {@link Receiver#onEnd}), the exchange failed, or it was stopped. Only then is the connection back in
     * the pool or closed; the future never fails.
     */
    public CompletableFuture<Void> transferEnded() {
      return transferEnded;
    }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() {
      return cancelled;
    }

    /**
     * Cancels the exchange, closing its connection; the receiver hears one {@link Receiver#onFailure} with
     * {@code cancelled} true, unless the exchange had already ended.
     */
    public void cancel() {
      if (done.get() || cancelled) {
        return;
      }
      cancelled = true;
      fail(new IOException("Canceled"));
      abort();
    }

    private void start(HttpClient client, HttpRequest request) {
      armTimer();
      CompletableFuture<HttpResponse<Void>> future =
          client.sendAsync(request, info -> onHeaders(info));
      response = future;
      future.whenComplete((r, t) -> {
        if (t != null) {
          Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
          if (cause instanceof CancellationException) {
            cause = new IOException("Canceled", cause);
          }
          fail(cause);
        }
      });
    }

    /** The body handler: called once the status and headers are in, on a client thread. */
    private HttpResponse.BodySubscriber<Void> onHeaders(HttpResponse.ResponseInfo info) {
      touch();
      serial(() -> {
        if (done.get()) {
          return;
        }
        try {
          Headers headers = headers(info.headers());
          if (url != null) {
            HttpLog.response(info.statusCode(), url, startNanos, headers, secrets);
          }
          mode = receiver.onResponse(info.statusCode(), headers);
        } catch (RuntimeException e) {
          fail(e); // Queued before any failure the abort itself may report, so this one is what the receiver hears.
          abort();
          return;
        }
        if (mode == BodyMode.EVENTS) {
          decoder = new SseDecoder(url != null && HttpLog.bodiesEnabled() ? (type, data) -> {
            HttpLog.event(type, data, secrets);
            return receiver.onEvent(type, data);
          } : receiver);
        } else {
          body = new Buffer();
          bodyLimit = mode == BodyMode.WHOLE ? Json.MAX_BODY_BYTES : Bodies.MAX_ERROR_BODY_BYTES;
        }
      });
      return HttpResponse.BodySubscribers.fromSubscriber(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (done.get()) {
        s.cancel(); // Cancelled or failed while the headers were on their way.
        return;
      }
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      touch();
      serial(() -> {
        if (done.get() && !draining) {
          return;
        }
        try {
          if (mode == BodyMode.EVENTS) {
            if (draining) {
              for (ByteBuffer item : items) {
                drained += item.remaining();
              }
              if (drained > MAX_DRAIN_BYTES) {
                abort(); // A server that keeps talking after the end: not worth keeping the connection for.
                return;
              }
            } else {
              for (ByteBuffer item : items) {
                if (!decoder.feed(item)) {
                  // The receiver has what it needs (message_stop, an error event). The body normally ends right
                  // here: read its last bytes so the connection goes back to the pool instead of being closed.
                  draining = true;
                  logEnd("events done");
                  end(() -> receiver.onEnd(true));
                  break;
                }
              }
            }
          } else {
            for (ByteBuffer item : items) {
              body.write(item);
            }
            if (body.size() > bodyLimit) {
              if (mode == BodyMode.WHOLE) {
                throw new OversizedResponseException("response body larger than " + bodyLimit + " bytes");
              }
              abort(); // Enough of an error page; the rest is not worth reading.
              finishBody();
              return;
            }
          }
        } catch (IOException | RuntimeException e) {
          fail(e); // Queued before any failure the abort itself may report, so this one is what the receiver hears.
          abort();
          return;
        }
        subscription.request(1); // Back-pressure: the next bytes only once these are handled.
      });
    }

    @Override
    public void onError(Throwable t) {
      transferEnded.complete(null);
      fail(t);
    }

    @Override
    public void onComplete() {
      transferEnded.complete(null); // The client has put the connection back in its pool by now.
      serial(() -> {
        if (done.get()) {
          stopTimer();
          return;
        }
        try {
          if (mode == BodyMode.EVENTS) {
            boolean clean = decoder.end();
            logEnd(clean ? "body ended" : "body cut off inside an event");
            end(() -> receiver.onEnd(clean));
          } else {
            finishBody();
          }
        } catch (IOException | RuntimeException e) {
          fail(e);
        }
      });
    }

    /** Hands over the collected body (an error body cut at a character boundary); runs in a serial task. */
    private void finishBody() {
      String text;
      if (body.size() <= bodyLimit) {
        text = body.readUtf8();
      } else {
        long end = bodyLimit;
        while (end > 0 && (body.getByte(end) & 0xC0) == 0x80) {
          end--; // Back off to the start of a UTF-8 sequence: continuation bytes have 10 as their two top bits.
        }
        Buffer prefix = new Buffer();
        body.copyTo(prefix, 0, end);
        text = prefix.readUtf8();
      }
      body.clear();
      if (url != null) {
        HttpLog.body(text, secrets);
      }
      end(() -> receiver.onBody(text));
    }

    /**
     * Ends the exchange with {@code last}, once; what {@code last} throws goes to {@link Receiver#onFailure}, so
     * a body the receiver cannot map still ends the exchange with an error. Runs in a serial task.
     */
    private void end(Runnable last) {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      if (!draining) {
        stopTimer(); // While draining the timer stays, so a server silent after its last event is let go.
      }
      try {
        last.run();
      } catch (RuntimeException e) {
        receiver.onFailure(e, cancelled);
      }
    }

    /** Ends the exchange with a failure, once; the receiver hears it in a serial task. */
    private void fail(Throwable t) {
      transferEnded.complete(null);
      serial(() -> {
        stopTimer();
        if (done.compareAndSet(false, true)) {
          if (url != null) {
            HttpLog.failure(url, startNanos, t, secrets);
          }
          receiver.onFailure(t, cancelled);
        }
      });
    }

    /** Stops the transfer: the subscription if there is one (closing the connection), else the request. */
    private void abort() {
      transferEnded.complete(null);
      stopTimer();
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      CompletableFuture<HttpResponse<Void>> r = response;
      if (r != null && !r.isDone()) {
        r.cancel(true);
      }
    }

    /**
     * Runs {@code task} after every task queued before it, never two at once, without a lock: the thread that
     * finds the queue idle drains it. Receiver callbacks thus never overlap, whichever thread signals.
     */
    private void serial(Runnable task) {
      tasks.add(task);
      if (pendingTasks.getAndIncrement() != 0) {
        return;
      }
      do {
        Runnable next = tasks.poll();
        try {
          next.run();
        } catch (RuntimeException e) {
          // A receiver that throws from onEnd, onBody or onFailure: nothing is left to tell it.
          org.slf4j.LoggerFactory.getLogger(StreamingHttp.class).warn("stream receiver failed", e);
        }
      } while (pendingTasks.decrementAndGet() != 0);
    }

    private void logEnd(String how) {
      if (url != null && !done.get()) {
        HttpLog.end(url, startNanos, how, secrets);
      }
    }

    private void touch() {
      lastActivity = System.nanoTime();
    }

    /**
     * The read timeout without a timer per byte: one task per exchange on the shared scheduler, which on firing
     * checks when bytes last arrived and either fails the exchange or sleeps for the rest of the window.
     */
    private void armTimer() {
      if (readTimeoutNanos > 0) {
        schedule(readTimeoutNanos);
      }
    }

    private void schedule(long delayNanos) {
      ScheduledFuture<?> t = Timers.SCHEDULER.schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
      timer = t;
      if (done.get() && !draining) {
        t.cancel(false); // Ended while this was being scheduled: do not keep the exchange until it is due.
      }
    }

    private void checkIdle() {
      if (done.get() && !draining) {
        return;
      }
      long idle = System.nanoTime() - lastActivity;
      if (idle < readTimeoutNanos) {
        schedule(readTimeoutNanos - idle);
        return;
      }
      fail(new SocketTimeoutException("no data from the server for " + Duration.ofNanos(readTimeoutNanos)
          + " (readTimeout)"));
      abort();
    }

    private void stopTimer() {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
    }
  }

  private static HttpClient newClient(Duration connectTimeout) {
    HttpClient.Builder b = HttpClient.newBuilder();
    if (!connectTimeout.isZero()) {
      b.connectTimeout(connectTimeout);
    }
    return b
        .executor(Timers.EXECUTOR)
        .followRedirects(HttpClient.Redirect.NEVER) // As OkHttp would not follow a redirected POST either.
        .build();
  }

  /** The threads every transport shares, created on first use. */
  private static final class Timers {
    static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(THREADS, daemon("ralex-http-"));
    static final ScheduledExecutorService SCHEDULER;

    static {
      java.util.concurrent.ScheduledThreadPoolExecutor s =
          new java.util.concurrent.ScheduledThreadPoolExecutor(1, daemon("ralex-http-timer-"));
      s.setRemoveOnCancelPolicy(true); // A cancelled 10-minute timer must not stay queued until it is due.
      SCHEDULER = s;
    }

    private static ThreadFactory daemon(String prefix) {
      AtomicInteger n = new AtomicInteger();
      return r -> {
        Thread t = new Thread(r, prefix + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }
  }
}
