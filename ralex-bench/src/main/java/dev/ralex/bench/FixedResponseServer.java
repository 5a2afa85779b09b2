package dev.ralex.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopback HTTP/1.1 server for benchmarks that answers every {@code POST /v1/messages} with the same Anthropic
 * Messages API response, so that the clients under test, not the server, dominate the measurement.
 *
 * <p>What it does per request: reads the request line and headers, reads and discards the body exactly
 * ({@code Content-Length} or {@code Transfer-Encoding: chunked}), answers {@code 100 Continue} when asked, then
 * writes one prebuilt byte array: status line, {@code content-type: application/json}, a {@code request-id},
 * {@code content-length} and the body. Connections are kept alive unless the client sends {@code Connection:
 * close} or speaks HTTP/1.0. Anything but {@code POST /v1/messages} gets an Anthropic-style 404. An
 * {@code Upgrade: h2c} offer (the JDK HTTP client's) is ignored, which RFC 9110 allows.
 *
 * <p>One daemon thread accepts and one daemon thread serves each connection; a benchmark's clients keep one or
 * a few pooled connections, so this costs a thread or two, and the per-request work is a header scan and one
 * write. Loopback only.
 */
public final class FixedResponseServer implements Closeable {
  /** The resource holding the wire sample that is served, a copy of {@code shared/wire/anthropic}. */
  public static final String RESPONSE_RESOURCE = "anthropic-response-text.json";
  /** The request id every response carries. */
  public static final String REQUEST_ID = "req_011CBenchFixedResponse0001";

  private static final int MAX_HEAD_BYTES = 64 * 1024;

  private final byte[] okKeepAlive;
  private final byte[] okClose;
  private final byte[] notFoundKeepAlive;
  private final byte[] notFoundClose;
  private final byte[] badRequest;
  private final ServerSocket serverSocket;
  private final Thread acceptor;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final LongAdder served = new LongAdder();
  private volatile boolean closed;

  private FixedResponseServer(byte[] body) throws IOException {
    this.okKeepAlive = response("200 OK", body, false);
    this.okClose = response("200 OK", body, true);
    byte[] notFound = ("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"Only POST "
        + "/v1/messages is served here\"},\"request_id\":\"" + REQUEST_ID + "\"}").getBytes(StandardCharsets.UTF_8);
    this.notFoundKeepAlive = response("404 Not Found", notFound, false);
    this.notFoundClose = response("404 Not Found", notFound, true);
    this.badRequest = response("400 Bad Request", ("{\"type\":\"error\",\"error\":{\"type\":"
        + "\"invalid_request_error\",\"message\":\"malformed HTTP request\"}}").getBytes(StandardCharsets.UTF_8), true);
    this.serverSocket = new ServerSocket();
    serverSocket.setReuseAddress(true);
    serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    this.acceptor = new Thread(this::acceptLoop, "fixed-response-accept");
    acceptor.setDaemon(true);
  }

  /** Starts a server on an ephemeral loopback port that serves the bundled wire sample. */
  public static FixedResponseServer start() {
    return start(loadResource(RESPONSE_RESOURCE));
  }

  /** Starts a server on an ephemeral loopback port that serves {@code body} as the JSON response. */
  public static FixedResponseServer start(byte[] body) {
    Objects.requireNonNull(body, "body");
    try {
      FixedResponseServer server = new FixedResponseServer(body.clone());
      server.acceptor.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the loopback server", e);
    }
  }

  /** The bundled wire sample's bytes. */
  public static byte[] loadResource(String name) {
    try (InputStream in = FixedResponseServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing next to " + FixedResponseServer.class);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port it listens on, on the loopback address. */
  public int port() {
    return serverSocket.getLocalPort();
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  public String baseUrl() {
    return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port();
  }

  /** How many requests it has answered, of any kind. */
  public long requestsServed() {
    return served.sum();
  }

  /** How many connections it has accepted since it started. */
  public int connectionsAccepted() {
    return connectionCount.get();
  }

  /** Stops accepting, closes every connection and waits briefly for the acceptor to end. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      serverSocket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : connections) {
      closeQuietly(s);
    }
    try {
      acceptor.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] response(String status, byte[] body, boolean close) {
    String head = "HTTP/1.1 " + status + "\r\n"
        + "content-type: application/json\r\n"
        + "request-id: " + REQUEST_ID + "\r\n"
        + "content-length: " + body.length + "\r\n"
        + (close ? "connection: close\r\n" : "connection: keep-alive\r\n")
        + "\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = serverSocket.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      int n = connectionCount.incrementAndGet();
      connections.add(socket);
      Thread t = new Thread(() -> serve(socket), "fixed-response-conn-" + n);
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket socket) {
    try {
      socket.setTcpNoDelay(true);
      Connection conn = new Connection(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (!closed) {
        if (!conn.readHead()) {
          return; // the client closed an idle connection
        }
        if (conn.expectContinue && conn.contentLength != 0) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
        conn.skipBody();
        boolean ok = conn.messagesPost;
        boolean close = conn.close;
        out.write(ok ? (close ? okClose : okKeepAlive) : (close ? notFoundClose : notFoundKeepAlive));
        out.flush();
        served.increment();
        if (close) {
          socket.shutdownOutput();
          return;
        }
      }
    } catch (MalformedRequest e) {
      try {
        socket.getOutputStream().write(badRequest);
      } catch (IOException ignored) {
        // the client is gone
      }
    } catch (EOFException | SocketException e) {
      // the client hung up mid-request, or the server is closing
    } catch (IOException e) {
      if (!closed) {
        System.err.println("FixedResponseServer: connection failed: " + e);
      }
    } finally {
      connections.remove(socket);
      closeQuietly(socket);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static final class MalformedRequest extends IOException {
    private static final long serialVersionUID = 1L;

    MalformedRequest(String message) {
      super(message);
    }
  }

  /**
   * One connection's buffered reader and the current request's parsed head. Parses bytes in place, without a
   * String per line, so that the server allocates next to nothing per request: {@code -prof gc} counts every
   * thread of the process, the server's included.
   */
  private static final class Connection {
    private static final byte[] POST_MESSAGES = ascii("POST /v1/messages");
    private static final byte[] HTTP_1_1 = ascii("HTTP/1.1");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] EXPECT = ascii("expect");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] CONTINUE = ascii("100-continue");

    private final InputStream in;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;
    private byte[] line = new byte[256];
    private int lineLength;

    /** Whether the request is {@code POST /v1/messages} (any query string). */
    boolean messagesPost;
    long contentLength;
    boolean chunked;
    boolean close;
    boolean expectContinue;

    Connection(InputStream in) {
      this.in = in;
    }

    /** Reads a request line and headers; false if the connection ended cleanly before a new request. */
    boolean readHead() throws IOException {
      messagesPost = false;
      contentLength = 0;
      chunked = false;
      close = false;
      expectContinue = false;
      int headBytes = 0;
      // RFC 9112 2.2: ignore at least one empty line before the request line.
      do {
        if (pos == limit && !fill()) {
          return false;
        }
        readLine();
        headBytes += lineLength + 2;
      } while (lineLength == 0);
      int sp1 = indexOf(line, 0, lineLength, (byte) ' ');
      int sp2 = lastIndexOf(line, lineLength, (byte) ' ');
      if (sp1 <= 0 || sp2 <= sp1) {
        throw new MalformedRequest("bad request line");
      }
      // "POST /v1/messages" followed by the end of the target or its query string.
      int afterPath = POST_MESSAGES.length;
      messagesPost = sp1 == 4 && startsWith(line, 0, lineLength, POST_MESSAGES, false)
          && (afterPath == sp2 || line[afterPath] == '?');
      close = !(lineLength - sp2 - 1 == HTTP_1_1.length
          && startsWith(line, sp2 + 1, lineLength, HTTP_1_1, false));
      while (true) {
        readLine();
        headBytes += lineLength + 2;
        if (headBytes > MAX_HEAD_BYTES) {
          throw new MalformedRequest("request head too large");
        }
        if (lineLength == 0) {
          return true;
        }
        int colon = indexOf(line, 0, lineLength, (byte) ':');
        if (colon <= 0) {
          throw new MalformedRequest("bad header line");
        }
        int nameEnd = colon;
        while (nameEnd > 0 && line[nameEnd - 1] == ' ') {
          nameEnd--;
        }
        int valueStart = colon + 1;
        int valueEnd = lineLength;
        while (valueStart < valueEnd && (line[valueStart] == ' ' || line[valueStart] == '\t')) {
          valueStart++;
        }
        while (valueEnd > valueStart && (line[valueEnd - 1] == ' ' || line[valueEnd - 1] == '\t')) {
          valueEnd--;
        }
        if (isName(nameEnd, CONTENT_LENGTH)) {
          contentLength = parseLong(line, valueStart, valueEnd, 10);
        } else if (isName(nameEnd, TRANSFER_ENCODING)) {
          chunked = valueEnd - valueStart >= CHUNKED.length
              && startsWith(line, valueEnd - CHUNKED.length, valueEnd, CHUNKED, true);
        } else if (isName(nameEnd, CONNECTION)) {
          if (contains(line, valueStart, valueEnd, CLOSE)) {
            close = true;
          } else if (contains(line, valueStart, valueEnd, KEEP_ALIVE)) {
            close = false;
          }
        } else if (isName(nameEnd, EXPECT)) {
          expectContinue = valueEnd - valueStart == CONTINUE.length
              && startsWith(line, valueStart, valueEnd, CONTINUE, true);
        }
      }
    }

    private boolean isName(int nameEnd, byte[] name) {
      return nameEnd == name.length && startsWith(line, 0, nameEnd, name, true);
    }

    /** Reads and discards the request body the head announced. */
    void skipBody() throws IOException {
      if (chunked) {
        while (true) {
          readLine();
          int end = indexOf(line, 0, lineLength, (byte) ';');
          long size = parseLong(line, 0, end >= 0 ? end : lineLength, 16);
          if (size == 0) {
            // Trailers end with an empty line.
            do {
              readLine();
            } while (lineLength != 0);
            return;
          }
          skip(size);
          readLine();
          if (lineLength != 0) {
            throw new MalformedRequest("chunk not followed by CRLF");
          }
        }
      }
      skip(contentLength);
    }

    private void skip(long n) throws IOException {
      while (n > 0) {
        if (pos == limit && !fill()) {
          throw new EOFException("body cut short");
        }
        int take = (int) Math.min(n, limit - pos);
        pos += take;
        n -= take;
      }
    }

    /** Reads a line into {@code line} without its CRLF (a bare LF is accepted too). */
    private void readLine() throws IOException {
      lineLength = 0;
      while (true) {
        if (pos == limit && !fill()) {
          throw new EOFException("connection closed mid-line");
        }
        byte b = buf[pos++];
        if (b == '\n') {
          if (lineLength > 0 && line[lineLength - 1] == '\r') {
            lineLength--;
          }
          return;
        }
        if (lineLength == line.length) {
          if (line.length >= MAX_HEAD_BYTES) {
            throw new MalformedRequest("line too long");
          }
          line = java.util.Arrays.copyOf(line, line.length * 2);
        }
        line[lineLength++] = b;
      }
    }

    private boolean fill() throws IOException {
      int n = in.read(buf, 0, buf.length);
      if (n <= 0) {
        return false;
      }
      pos = 0;
      limit = n;
      return true;
    }

    private static long parseLong(byte[] b, int from, int to, int radix) throws MalformedRequest {
      while (from < to && b[from] == ' ') {
        from++;
      }
      while (to > from && b[to - 1] == ' ') {
        to--;
      }
      if (from == to || to - from > 15) {
        throw new MalformedRequest("bad number");
      }
      long v = 0;
      for (int i = from; i < to; i++) {
        int d = Character.digit(b[i], radix);
        if (d < 0) {
          throw new MalformedRequest("bad number");
        }
        v = v * radix + d;
      }
      return v;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
      for (int i = from; i < to; i++) {
        if (b[i] == c) {
          return i;
        }
      }
      return -1;
    }

    private static int lastIndexOf(byte[] b, int to, byte c) {
      for (int i = to - 1; i >= 0; i--) {
        if (b[i] == c) {
          return i;
        }
      }
      return -1;
    }

    /** Whether {@code b[from, to)} starts with {@code prefix}, which is lower case if {@code ignoreCase}. */
    private static boolean startsWith(byte[] b, int from, int to, byte[] prefix, boolean ignoreCase) {
      if (to - from < prefix.length) {
        return false;
      }
      for (int i = 0; i < prefix.length; i++) {
        byte c = b[from + i];
        if (ignoreCase && c >= 'A' && c <= 'Z') {
          c = (byte) (c + ('a' - 'A'));
        }
        if (c != prefix[i]) {
          return false;
        }
      }
      return true;
    }

    private static boolean contains(byte[] b, int from, int to, byte[] lowerNeedle) {
      for (int i = from; i <= to - lowerNeedle.length; i++) {
        if (startsWith(b, i, to, lowerNeedle, true)) {
          return true;
        }
      }
      return false;
    }

    private static byte[] ascii(String s) {
      return s.getBytes(StandardCharsets.US_ASCII);
    }
  }
}
