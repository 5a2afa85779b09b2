package dev.ralex.providers.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wire logging for every provider's HTTP traffic, on the logger {@value #LOGGER_NAME}; silent unless a user turns
 * that logger on. At DEBUG: each request's method, URL, headers and body size, and each response's status, time
 * taken and headers. At TRACE also the bodies (request, whole response, and each server-sent event), cut at
 * {@value #MAX_LOGGED_BODY_CHARS} characters: they hold prompts and answers, which Ralex never logs at INFO or
 * above.
 *
 * <p>Credentials never reach the log: the values of credential headers ({@code Authorization}, {@code
 * x-api-key}, {@code api-key}, cookies, and any header whose name ends in {@code -key}, {@code -token} or {@code
 * -secret} or contains {@code auth}) and of credential query parameters are written as {@value #REDACTED}, and
 * any of those values appearing in a URL or a body (a server that echoes the key) is replaced too.
 *
 * <p>Both transports log through here: OkHttp calls through {@link #INTERCEPTOR}, which the shared client carries
 * (so clients derived from it do too), and {@link StreamingHttp} exchanges through the methods below. Stateless
 * and thread-safe.
 */
public final class HttpLog {
  /** The logger's name, for a user's logging configuration. */
  public static final String LOGGER_NAME = "dev.ralex.http";
  /** What a credential is written as. */
  public static final String REDACTED = "<redacted>";
  static final int MAX_LOGGED_BODY_CHARS = 16 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
  private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "x-api-key",
      "api-key", "cookie", "set-cookie");

  /** Logs each OkHttp call, when {@value #LOGGER_NAME} is at DEBUG or finer; otherwise passes it on untouched. */
  public static final Interceptor INTERCEPTOR = chain -> {
    Request request = chain.request();
    if (!LOG.isDebugEnabled()) {
      return chain.proceed(request);
    }
    List<String> secrets = secrets(request.headers());
    byte[] body = null;
    if (request.body() != null && LOG.isTraceEnabled()) {
      Buffer buffer = new Buffer();
      request.body().writeTo(buffer);
      body = buffer.readByteArray();
    }
    long length = request.body() == null ? 0 : request.body().contentLength();
    request(request.method(), request.url().toString(), request.headers(), length, body, secrets);
    long start = System.nanoTime();
    Response response;
    try {
      response = chain.proceed(request);
    } catch (IOException e) {
      failure(request.url().toString(), start, e, secrets);
      throw e;
    }
    response(response.code(), request.url().toString(), start, response.headers(), secrets);
    if (LOG.isTraceEnabled() && response.body() != null) {
      body(response.peekBody(MAX_LOGGED_BODY_CHARS * 4L).string(), secrets);
    }
    return response;
  };

  private HttpLog() {}

  /** Whether requests are logged at all: {@value #LOGGER_NAME} is at DEBUG or finer. */
  public static boolean enabled() {
    return LOG.isDebugEnabled();
  }

  /** Whether bodies and events are logged: {@value #LOGGER_NAME} is at TRACE. */
  public static boolean bodiesEnabled() {
    return LOG.isTraceEnabled();
  }

  /** The credential values in {@code headers} (a bearer token without its scheme), to redact wherever they occur. */
  public static List<String> secrets(Headers headers) {
    List<String> secrets = new ArrayList<>(2);
    for (int i = 0; i < headers.size(); i++) {
      if (isCredential(headers.name(i))) {
        String value = headers.value(i).trim();
        int space = value.indexOf(' ');
        if (space > 0 && value.regionMatches(true, 0, "Bearer", 0, space)) {
          value = value.substring(space + 1).trim();
        }
        if (!value.isEmpty()) {
          secrets.add(value);
        }
      }
    }
    return secrets;
  }

  /** Logs a request at DEBUG, and its body at TRACE when {@code body} is given. */
  public static void request(String method, String url, Headers headers, long bodyBytes, byte[] body,
      List<String> secrets) {
    if (!LOG.isDebugEnabled()) {
      return;
    }
    LOG.debug("--> {} {} ({} body bytes) {}", method, redactUrl(url, secrets), bodyBytes,
        redactHeaders(headers, secrets));
    if (body != null && LOG.isTraceEnabled()) {
      body(new String(body, StandardCharsets.UTF_8), secrets);
    }
  }

  /** Logs a response's status and headers at DEBUG; {@code startNanos} is when the request went out. */
  public static void response(int status, String url, long startNanos, Headers headers, List<String> secrets) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("<-- {} {} ({} ms) {}", status, redactUrl(url, secrets), elapsedMillis(startNanos),
          redactHeaders(headers, secrets));
    }
  }

  /** Logs the end of a streamed body at DEBUG. */
  public static void end(String url, long startNanos, String how, List<String> secrets) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("<-- END {} ({} ms) {}", redactUrl(url, secrets), elapsedMillis(startNanos), how);
    }
  }

  /** Logs a failed exchange at DEBUG: the exception's class and message, with any credential in it redacted. */
  public static void failure(String url, long startNanos, Throwable failure, List<String> secrets) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("<-- FAILED {} ({} ms) {}: {}", redactUrl(url, secrets), elapsedMillis(startNanos),
          failure.getClass().getSimpleName(), redact(String.valueOf(failure.getMessage()), secrets));
    }
  }

  /** Logs a body at TRACE, cut at {@value #MAX_LOGGED_BODY_CHARS} characters. */
  public static void body(String body, List<String> secrets) {
    if (LOG.isTraceEnabled()) {
      LOG.trace("body: {}", redact(cut(body), secrets));
    }
  }

  /** Logs one server-sent event at TRACE. */
  public static void event(String type, String data, List<String> secrets) {
    if (LOG.isTraceEnabled()) {
      LOG.trace("event: {} data: {}", type, redact(cut(data), secrets));
    }
  }

  /** Whether a header's value is a credential, by its name. */
  static boolean isCredential(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return CREDENTIAL_HEADERS.contains(n) || n.endsWith("-key") || n.endsWith("-token") || n.endsWith("-secret")
        || n.contains("auth");
  }

  /** The headers as {@code {name=value, ...}} with credential values redacted. */
  static String redactHeaders(Headers headers, List<String> secrets) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < headers.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      String name = headers.name(i);
      sb.append(name).append('=').append(isCredential(name) ? REDACTED : redact(headers.value(i), secrets));
    }
    return sb.append('}').toString();
  }

  /** The URL with the values of credential query parameters ({@code key}, {@code api_key}, ...) redacted. */
  static String redactUrl(String url, List<String> secrets) {
    HttpUrl parsed = HttpUrl.parse(url);
    if (parsed != null && parsed.querySize() > 0) {
      HttpUrl.Builder b = parsed.newBuilder().query(null);
      for (int i = 0; i < parsed.querySize(); i++) {
        String name = parsed.queryParameterName(i);
        String n = name.toLowerCase(Locale.ROOT);
        boolean credential = n.equals("key") || n.contains("api_key") || n.contains("apikey") || n.contains("token")
            || n.contains("secret");
        b.addQueryParameter(name, credential ? "REDACTED" : parsed.queryParameterValue(i));
      }
      url = b.build().toString();
    }
    return redact(url, secrets);
  }

  private static String redact(String text, List<String> secrets) {
    for (String secret : secrets) {
      if (text.contains(secret)) {
        text = text.replace(secret, REDACTED);
      }
    }
    return text;
  }

  private static String cut(String text) {
    return text.length() <= MAX_LOGGED_BODY_CHARS ? text
        : text.substring(0, MAX_LOGGED_BODY_CHARS) + "... (" + (text.length() - MAX_LOGGED_BODY_CHARS)
            + " more chars)";
  }

  private static long elapsedMillis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
