package dev.ralex.bench;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A loopback server that streams Anthropic Messages API answers over SSE to many clients at once from a single
 * thread (NIO selector), so that it adds one thread to the process however many streams are open, and that
 * can hold every stream open mid-answer until told to release them.
 *
 * <p>Each {@code POST /v1/messages} whose body asks for {@code "stream": true} gets a chunked {@code
 * text/event-stream} response: {@code message_start}, {@code content_block_start}, a {@code ping}, then {@code
 * deltas} {@code content_block_delta} text deltas paced by the server's tick (one delta per stream per tick,
 * {@code tickMillis} apart; no thread or timer per connection), then {@code content_block_stop}, {@code
 * message_delta} (stop reason and usage) and {@code message_stop}. Each event is its own HTTP chunk.
 *
 * <p>While {@link #hold(boolean) hold} is on, a stream pauses after {@code holdAfter} deltas, with its
 * connection open and its answer unfinished: the client has seen the start and part of the text and must keep
 * the stream live. {@link #heldStreams()} counts the streams paused so, so a harness can wait until every
 * stream is truly in flight at once, measure, and then {@link #hold(boolean) release} them all to finish.
 *
 * <p>Anything but a streaming {@code POST /v1/messages} gets a 400 or 404 with an Anthropic error body.
 */
public final class HeldStreamServer implements Closeable {
  /** The request id every response carries. */
  public static final String REQUEST_ID = "req_011CBenchHeldStream00001";
  /** Input tokens reported in {@code message_start}. */
  public static final int INPUT_TOKENS = 12;

  private static final Pattern STREAM_TRUE = Pattern.compile("\"stream\"\\s*:\\s*true");
  private static final int MAX_REQUEST_BYTES = 1 << 20;

  private final int deltas;
  private final int holdAfter;
  private final long tickNanos;
  private final byte[] head;
  private final byte[] start;
  private final byte[][] deltaChunks;
  private final byte[] tail;
  private final String expectedText;
  private final Selector selector;
  private final ServerSocketChannel serverChannel;
  private final Thread loop;
  private final List<Conn> active = new ArrayList<>();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();
  private final AtomicInteger aborted = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();
  private final AtomicInteger openConnections = new AtomicInteger();
  private volatile boolean hold;
  private volatile boolean closed;

  /**
   * @param deltas text deltas per answer, at least 1
   * @param holdAfter deltas sent before a held stream pauses, 1 to {@code deltas - 1}
   * @param tickMillis the pause between one stream's deltas, at least 1
   */
  public HeldStreamServer(int deltas, int holdAfter, int tickMillis) {
    if (deltas < 2 || holdAfter < 1 || holdAfter >= deltas || tickMillis < 1) {
      throw new IllegalArgumentException("need deltas >= 2, 1 <= holdAfter < deltas, tickMillis >= 1");
    }
    this.deltas = deltas;
    this.holdAfter = holdAfter;
    this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
    this.head = ("HTTP/1.1 200 OK\r\n"
        + "content-type: text/event-stream; charset=utf-8\r\n"
        + "cache-control: no-cache\r\n"
        + "request-id: " + REQUEST_ID + "\r\n"
        + "transfer-encoding: chunked\r\n"
        + "connection: keep-alive\r\n"
        + "\r\n").getBytes(StandardCharsets.US_ASCII);
    this.start = concat(
        chunk(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01BenchHeldStream\","
            + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-haiku-4-5\","
            + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + INPUT_TOKENS
            + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}")),
        chunk(event("content_block_start",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")),
        chunk(event("ping", "{\"type\": \"ping\"}")));
    StringBuilder text = new StringBuilder();
    this.deltaChunks = new byte[deltas][];
    for (int i = 0; i < deltas; i++) {
      String piece = deltaText(i);
      text.append(piece);
      deltaChunks[i] = chunk(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
          + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + piece + "\"}}"));
    }
    this.expectedText = text.toString();
    this.tail = concat(
        chunk(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")),
        chunk(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + deltas + "}}")),
        chunk(event("message_stop", "{\"type\":\"message_stop\"}")),
        "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    try {
      this.selector = Selector.open();
      this.serverChannel = ServerSocketChannel.open();
      serverChannel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
      serverChannel.configureBlocking(false);
      serverChannel.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the SSE server", e);
    }
    this.loop = new Thread(this::run, "held-stream-server");
    loop.setDaemon(true);
    loop.start();
  }

  /** The text of delta {@code i}: ASCII and a two-byte character, so UTF-8 decoding is exercised. */
  static String deltaText(int i) {
    return "w\u00f6rd" + i + " ";
  }

  /** The answer's whole text, as every client must assemble it. */
  public String expectedText() {
    return expectedText;
  }

  /** Output tokens reported in {@code message_delta}: one per delta. */
  public int outputTokens() {
    return deltas;
  }

  public int deltas() {
    return deltas;
  }

  public int holdAfter() {
    return holdAfter;
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  public String baseUrl() {
    return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + serverChannel.socket().getLocalPort();
  }

  /** Turns holding on, or off, which releases every held stream to finish. */
  public void hold(boolean on) {
    hold = on;
    selector.wakeup();
  }

  /** Streams paused at the hold point right now. */
  public int heldStreams() {
    return held.get();
  }

  /** Streaming responses begun. */
  public int streamsStarted() {
    return started.get();
  }

  /** Streams sent to the end. */
  public int streamsCompleted() {
    return completed.get();
  }

  /** Streams whose client hung up before the end. */
  public int streamsAborted() {
    return aborted.get();
  }

  /** Requests answered with an error (not a streaming POST /v1/messages). */
  public int requestsRejected() {
    return rejected.get();
  }

  /** Connections open now. */
  public int openConnections() {
    return openConnections.get();
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      loop.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    long nextTick = System.nanoTime() + tickNanos;
    try {
      while (!closed) {
        long timeoutMillis = 0; // block until an event or a wakeup
        if (!active.isEmpty()) {
          timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()));
        }
        selector.select(timeoutMillis);
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
            continue;
          }
          Conn conn = (Conn) key.attachment();
          if (key.isWritable()) {
            flush(conn);
          }
          if (key.isValid() && key.isReadable()) {
            read(conn);
          }
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          tick();
          nextTick = now + tickNanos;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        System.err.println("HeldStreamServer failed: " + e);
        e.printStackTrace();
      }
    } finally {
      for (SelectionKey key : selector.keys()) {
        try {
          key.channel().close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
      try {
        selector.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = serverChannel.accept()) != null) {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Conn conn = new Conn(ch);
      conn.key = ch.register(selector, SelectionKey.OP_READ, conn);
      openConnections.incrementAndGet();
    }
  }

  /** One delta to every live stream that may have one; finishes streams that had their last. */
  private void tick() {
    boolean holding = hold;
    Iterator<Conn> it = active.iterator();
    while (it.hasNext()) {
      Conn c = it.next();
      if (c.closed) {
        it.remove();
        continue;
      }
      if (c.next == holdAfter && holding) {
        if (!c.counted) {
          c.counted = true;
          held.incrementAndGet();
        }
        continue;
      }
      if (c.counted) {
        c.counted = false;
        held.decrementAndGet();
      }
      send(c, deltaChunks[c.next++]);
      if (c.next == deltas) {
        send(c, tail);
        c.streaming = false;
        completed.incrementAndGet();
        it.remove();
        // A request the client pipelined while the stream ran.
        handleRequests(c);
      }
    }
  }

  private void read(Conn c) {
    ByteBuffer buf = ByteBuffer.wrap(c.in, c.inLen, c.in.length - c.inLen);
    int n;
    try {
      n = c.ch.read(buf);
    } catch (IOException e) {
      n = -1;
    }
    if (n < 0) {
      drop(c);
      return;
    }
    c.inLen += n;
    if (c.inLen == c.in.length) {
      if (c.in.length >= MAX_REQUEST_BYTES) {
        drop(c);
        return;
      }
      c.in = java.util.Arrays.copyOf(c.in, c.in.length * 2);
    }
    handleRequests(c);
  }

  /** Answers the complete requests buffered on {@code c}, unless a stream is running on it. */
  private void handleRequests(Conn c) {
    while (!c.closed && !c.streaming) {
      int length = requestLength(c.in, c.inLen);
      if (length == 0) {
        return; // incomplete
      }
      if (length < 0) {
        rejected.incrementAndGet();
        send(c, error(400, "invalid_request_error", "malformed HTTP request", true));
        c.closeAfterWrite = true;
        flush(c);
        return;
      }
      String request = new String(c.in, 0, length, StandardCharsets.ISO_8859_1);
      System.arraycopy(c.in, length, c.in, 0, c.inLen - length);
      c.inLen -= length;
      String requestLine = request.substring(0, request.indexOf('\r'));
      boolean messages = requestLine.startsWith("POST /v1/messages ") || requestLine.startsWith("POST /v1/messages?");
      if (!messages) {
        rejected.incrementAndGet();
        send(c, error(404, "not_found_error", "only POST /v1/messages is served here", false));
        continue;
      }
      // ISO-8859-1 keeps every byte; the ASCII field searched for matches the same either way.
      String body = request.substring(request.indexOf("\r\n\r\n") + 4);
      if (!STREAM_TRUE.matcher(body).find()) {
        rejected.incrementAndGet();
        send(c, error(400, "invalid_request_error", "this server only streams: send \"stream\": true", false));
        continue;
      }
      started.incrementAndGet();
      c.streaming = true;
      c.next = 0;
      send(c, head);
      send(c, start);
      active.add(c);
    }
  }

  /**
   * The length of the first complete request (head and body) in {@code b[0, len)}: 0 if incomplete, -1 if
   * malformed. Handles {@code Content-Length} and chunked bodies.
   */
  static int requestLength(byte[] b, int len) {
    int headEnd = indexOf(b, len, 0, "\r\n\r\n");
    if (headEnd < 0) {
      return len > 64 * 1024 ? -1 : 0;
    }
    String head = new String(b, 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    int bodyStart = headEnd + 4;
    long contentLength = 0;
    boolean chunked = false;
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        try {
          contentLength = Long.parseLong(value);
        } catch (NumberFormatException e) {
          return -1;
        }
      } else if (name.equals("transfer-encoding") && value.endsWith("chunked")) {
        chunked = true;
      }
    }
    if (!chunked) {
      if (contentLength > MAX_REQUEST_BYTES) {
        return -1;
      }
      return bodyStart + contentLength <= len ? (int) (bodyStart + contentLength) : 0;
    }
    int pos = bodyStart;
    while (true) {
      int lineEnd = indexOf(b, len, pos, "\r\n");
      if (lineEnd < 0) {
        return 0;
      }
      String sizeText = new String(b, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
      int semi = sizeText.indexOf(';');
      int size;
      try {
        size = Integer.parseInt((semi >= 0 ? sizeText.substring(0, semi) : sizeText).trim(), 16);
      } catch (NumberFormatException e) {
        return -1;
      }
      pos = lineEnd + 2;
      if (size == 0) {
        // Trailer fields, then an empty line.
        while (true) {
          int end = indexOf(b, len, pos, "\r\n");
          if (end < 0) {
            return 0;
          }
          boolean empty = end == pos;
          pos = end + 2;
          if (empty) {
            return pos;
          }
        }
      }
      if (pos + size + 2 > len) {
        return 0;
      }
      pos += size + 2;
    }
  }

  private static int indexOf(byte[] b, int len, int from, String needle) {
    outer:
    for (int i = from; i <= len - needle.length(); i++) {
      for (int j = 0; j < needle.length(); j++) {
        if (b[i + j] != needle.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private void send(Conn c, byte[] bytes) {
    if (c.closed) {
      return;
    }
    c.out.add(ByteBuffer.wrap(bytes));
    flush(c);
  }

  private void flush(Conn c) {
    try {
      while (!c.out.isEmpty()) {
        ByteBuffer b = c.out.peek();
        c.ch.write(b);
        if (b.hasRemaining()) {
          c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
          return;
        }
        c.out.poll();
      }
      if (c.closeAfterWrite) {
        drop(c);
        return;
      }
      if (c.key.isValid()) {
        c.key.interestOps(SelectionKey.OP_READ);
      }
    } catch (IOException e) {
      drop(c);
    }
  }

  private void drop(Conn c) {
    if (c.closed) {
      return;
    }
    c.closed = true;
    if (c.streaming) {
      aborted.incrementAndGet();
    }
    if (c.counted) {
      c.counted = false;
      held.decrementAndGet();
    }
    c.key.cancel();
    try {
      c.ch.close();
    } catch (IOException ignored) {
      // gone anyway
    }
    openConnections.decrementAndGet();
  }

  private static byte[] event(String type, String json) {
    return ("event: " + type + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] chunk(byte[] data) {
    return concat((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII), data,
        "\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] error(int status, String type, String message, boolean close) {
    byte[] body = ("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message.replace("\"", "\\\"")
        + "\"},\"request_id\":\"" + REQUEST_ID + "\"}").getBytes(StandardCharsets.UTF_8);
    String reason = status == 404 ? "Not Found" : "Bad Request";
    return concat(("HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: application/json\r\nrequest-id: "
        + REQUEST_ID + "\r\ncontent-length: " + body.length + "\r\n" + (close ? "connection: close\r\n" : "")
        + "\r\n").getBytes(StandardCharsets.US_ASCII), body);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] all = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  /** One connection's state; touched only by the server's thread. */
  private static final class Conn {
    final SocketChannel ch;
    final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    SelectionKey key;
    byte[] in = new byte[4096];
    int inLen;
    boolean streaming;
    boolean counted;
    boolean closed;
    boolean closeAfterWrite;
    int next;

    Conn(SocketChannel ch) {
      this.ch = ch;
    }
  }
}
