package dev.ralex.providers.internal;

import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ProviderConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The HTTP client of Ralex's providers. Every provider derives its client from one shared {@link OkHttpClient},
 * so providers in one process share a connection pool and dispatcher threads, as OkHttp recommends; settings a
 * provider overrides get a derived client that still shares what it does not override.
 *
 * <p>Settings (in a provider's {@link ProviderConfig}, all optional): {@code connectTimeout} (default 10 s),
 * {@code readTimeout} (default 10 minutes: a long answer may pause between tokens), {@code callTimeout} (default
 * none), {@code maxRequests} and {@code maxRequestsPerHost} (default 256 each: concurrent calls), {@code
 * maxIdleConnections} (default 32) and {@code keepAlive} (default 5 minutes).
 *
 * <p>Streams do not use this client: they go over {@link StreamingHttp}, the JDK's non-blocking client, so an open
 * stream holds no thread. Of the settings above, streams take {@code connectTimeout} and {@code readTimeout} (the
 * longest silence); the dispatcher limits, the pool settings and {@code callTimeout} apply to blocking and async
 * calls only.
 *
 * <p>Wire logging: turn on the logger {@value HttpLog#LOGGER_NAME} at DEBUG (requests and responses, credentials
 * redacted) or TRACE (bodies too); see {@link HttpLog}.
 */
public final class ProviderHttp {
  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMinutes(10);
  private static final int DEFAULT_MAX_REQUESTS = 256;

  private ProviderHttp() {}

  /** The client every provider shares unless its settings say otherwise. */
  public static OkHttpClient shared() {
    return Shared.CLIENT;
  }

  /**
   * A client for a provider with {@code config}: the shared one when no HTTP setting is given, else one derived
   * from it.
   *
   * @throws ConfigurationException naming a malformed setting
   */
  public static OkHttpClient clientFor(ProviderConfig config) {
    OkHttpClient shared = shared();
    boolean custom = false;
    OkHttpClient.Builder b = shared.newBuilder();
    Duration connect = config.duration("connectTimeout").orElse(null);
    if (connect != null) {
      b.connectTimeout(connect);
      custom = true;
    }
    Duration read = config.duration("readTimeout").orElse(null);
    if (read != null) {
      b.readTimeout(read);
      custom = true;
    }
    Duration call = config.duration("callTimeout").orElse(null);
    if (call != null) {
      b.callTimeout(call);
      custom = true;
    }
    Integer maxRequests = positive(config, "maxRequests");
    Integer maxPerHost = positive(config, "maxRequestsPerHost");
    if (maxRequests != null || maxPerHost != null) {
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(maxRequests != null ? maxRequests : DEFAULT_MAX_REQUESTS);
      dispatcher.setMaxRequestsPerHost(maxPerHost != null ? maxPerHost : DEFAULT_MAX_REQUESTS);
      b.dispatcher(dispatcher);
      custom = true;
    }
    Integer idle = positive(config, "maxIdleConnections");
    Duration keepAlive = config.duration("keepAlive").orElse(null);
    if (idle != null || keepAlive != null) {
      b.connectionPool(new ConnectionPool(idle != null ? idle : 32,
          (keepAlive != null ? keepAlive : Duration.ofMinutes(5)).toMillis(), TimeUnit.MILLISECONDS));
      custom = true;
    }
    return custom ? b.build() : shared;
  }

  private static Integer positive(ProviderConfig config, String key) {
    Integer value = config.integer(key).orElse(null);
    if (value != null && value <= 0) {
      throw new ConfigurationException("setting '" + key + "' must be positive but was " + value);
    }
    return value;
  }

  private static final class Shared {
    static final OkHttpClient CLIENT = build();

    private static OkHttpClient build() {
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(DEFAULT_MAX_REQUESTS);
      dispatcher.setMaxRequestsPerHost(DEFAULT_MAX_REQUESTS);
      return new OkHttpClient.Builder()
          .dispatcher(dispatcher)
          .connectionPool(new ConnectionPool(32, 5, TimeUnit.MINUTES))
          .connectTimeout(DEFAULT_CONNECT_TIMEOUT)
          .readTimeout(DEFAULT_READ_TIMEOUT)
          .writeTimeout(DEFAULT_CONNECT_TIMEOUT)
          .retryOnConnectionFailure(false) // Ralex's pipeline decides what to retry, and counts it.
          .addInterceptor(HttpLog.INTERCEPTOR) // Clients derived from this one keep it.
          .build();
    }
  }
}
