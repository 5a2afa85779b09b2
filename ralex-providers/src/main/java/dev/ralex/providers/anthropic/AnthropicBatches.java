package dev.ralex.providers.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.BatchItem;
import dev.ralex.api.BatchJob;
import dev.ralex.api.BatchResult;
import dev.ralex.api.BatchSupport;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.providers.internal.Bodies;
import dev.ralex.providers.internal.Failures;
import dev.ralex.providers.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Anthropic's Message Batches API: {@code POST /v1/messages/batches} with up to 100,000 requests, {@code GET
 * /v1/messages/batches/{id}} to poll, {@code GET .../results} for the results as JSON lines, {@code POST
 * .../cancel}. Batch calls cost half the price of the same calls made at once. The results are read from the
 * configured base URL, never from the {@code results_url} the server names, so the key goes to no other host.
 * Thread-safe.
 */
final class AnthropicBatches implements BatchSupport {
  /** Anthropic's limit on the requests of one batch. */
  static final int MAX_REQUESTS = 100_000;
  private static final BigDecimal HALF = new BigDecimal("0.5");
  private static final MediaType JSON = MediaType.get("application/json");

  private final AnthropicProvider provider;
  private final OkHttpClient client;
  private final HttpUrl batchesUrl;
  private final String authHeader;
  private final String authValue;
  private final String version;
  private final AnthropicVersion checks;

  AnthropicBatches(AnthropicProvider provider, OkHttpClient client, HttpUrl base, String authHeader,
      String authValue, AnthropicVersion version) {
    this.provider = provider;
    this.client = client;
    this.batchesUrl = base.newBuilder().addPathSegments("v1/messages/batches").build();
    this.authHeader = authHeader;
    this.authValue = authValue;
    this.version = version.value();
    this.checks = version;
  }

  @Override
  public BigDecimal priceFactor() {
    return HALF;
  }

  /**
   * {@inheritDoc}
   *
   * @throws InvalidRequestException before sending, for no items, more than 100,000, a repeated custom id, or a
   *     request the Messages API would refuse (as {@code chat} checks it)
   */
  @Override
  public BatchJob submit(ModelInfo model, List<BatchItem> items) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(items, "items");
    if (items.isEmpty() || items.size() > MAX_REQUESTS) {
      throw new InvalidRequestException("a batch holds 1 to " + MAX_REQUESTS + " requests but this one has "
          + items.size(), ErrorDetails.of(AnthropicProvider.ID));
    }
    Set<String> ids = new HashSet<>();
    for (BatchItem item : items) {
      if (!ids.add(item.customId())) {
        throw new InvalidRequestException("custom id '" + item.customId() + "' is used twice in the batch",
            ErrorDetails.of(AnthropicProvider.ID));
      }
      AnthropicRequests.check(model, item.request(), checks);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024 * items.size());
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayFieldStart("requests");
      for (BatchItem item : items) {
        g.writeStartObject();
        g.writeStringField("custom_id", item.customId());
        g.writeFieldName("params");
        g.writeRawValue(new String(AnthropicRequests.write(model, item.request(), false),
            java.nio.charset.StandardCharsets.UTF_8));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing a batch to memory failed", e);
    }
    return job(exchange(request(batchesUrl).post(RequestBody.create(out.toByteArray(), JSON)).build()));
  }

  @Override
  public BatchJob retrieve(String batchId) {
    return job(exchange(request(batchUrl(batchId)).get().build()));
  }

  @Override
  public BatchJob cancel(String batchId) {
    HttpUrl url = batchUrl(batchId).newBuilder().addPathSegment("cancel").build();
    return job(exchange(request(url).post(RequestBody.create(new byte[0], JSON)).build()));
  }

  @Override
  public List<BatchResult> results(String batchId, ModelInfo model) {
    Objects.requireNonNull(model, "model");
    HttpUrl url = batchUrl(batchId).newBuilder().addPathSegment("results").build();
    Call call = client.newCall(request(url).get().build());
    try (Response response = call.execute()) {
      ErrorDetails details = provider.details(response.code(), response.headers());
      if (!response.isSuccessful()) {
        String body = Bodies.readUtf8Prefix(response.body(), Bodies.MAX_ERROR_BODY_BYTES);
        AnthropicResponses.json(response.code(), response.headers(), body, details, provider.clock(),
            provider.secret());
      }
      List<BatchResult> results = new ArrayList<>();
      for (String line : Bodies.readUtf8(response.body()).split("\n")) {
        if (!line.isBlank()) {
          results.add(result(line, model, details));
        }
      }
      return results;
    } catch (IOException e) {
      throw Failures.forIo(e, call.isCanceled(), ErrorDetails.of(AnthropicProvider.ID));
    }
  }

  /** One line of the results: a custom id and what became of its request. */
  private BatchResult result(String line, ModelInfo model, ErrorDetails details) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(line);
    } catch (IOException e) {
      throw AnthropicResponses.malformed("a result line is not valid JSON", details, null);
    }
    String customId = AnthropicResponses.text(root, "custom_id");
    JsonNode result = root.path("result");
    String type = AnthropicResponses.text(result, "type");
    if (customId == null || customId.isBlank() || type == null) {
      throw AnthropicResponses.malformed("a result line has no custom_id or result type", details, null);
    }
    switch (type) {
      case "succeeded":
        JsonNode message = result.get("message");
        if (message == null) {
          throw AnthropicResponses.malformed("a succeeded result has no message", details, null);
        }
        return BatchResult.succeeded(customId, AnthropicResponses.message(message, model, details.requestId(),
            null, message.toString(), details));
      case "errored":
        // The error object is the one an HTTP error body would hold; classify it the same way.
        JsonNode error = result.path("error");
        String errorType = AnthropicResponses.text(error.path("error"), "type");
        LlmException failure = AnthropicResponses.httpError(AnthropicResponses.statusOf(errorType),
            error.toString(), "application/json", null,
            new ErrorDetails(AnthropicProvider.ID, 0, details.requestId(), null), provider.secret());
        return BatchResult.errored(customId, failure);
      case "canceled":
        return BatchResult.unprocessed(customId, BatchResult.Outcome.CANCELED);
      case "expired":
        return BatchResult.unprocessed(customId, BatchResult.Outcome.EXPIRED);
      default:
        throw AnthropicResponses.malformed("a result of unknown type '" + type + "'", details, null);
    }
  }

  private JsonNode exchange(Request request) {
    Call call = client.newCall(request);
    try (Response response = call.execute()) {
      String body = response.isSuccessful() ? Bodies.readUtf8(response.body())
          : Bodies.readUtf8Prefix(response.body(), Bodies.MAX_ERROR_BODY_BYTES);
      ErrorDetails details = provider.details(response.code(), response.headers());
      JsonNode root = AnthropicResponses.json(response.code(), response.headers(), body, details, provider.clock(),
          provider.secret());
      if (!"message_batch".equals(AnthropicResponses.text(root, "type"))) {
        throw AnthropicResponses.malformed("the body is not a message_batch", details, null);
      }
      return root;
    } catch (IOException e) {
      throw Failures.forIo(e, call.isCanceled(), ErrorDetails.of(AnthropicProvider.ID));
    }
  }

  private BatchJob job(JsonNode root) {
    ErrorDetails details = ErrorDetails.of(AnthropicProvider.ID);
    String status = AnthropicResponses.text(root, "processing_status");
    BatchJob.Status s;
    if ("in_progress".equals(status)) {
      s = BatchJob.Status.IN_PROGRESS;
    } else if ("canceling".equals(status)) {
      s = BatchJob.Status.CANCELING;
    } else if ("ended".equals(status)) {
      s = BatchJob.Status.ENDED;
    } else {
      throw AnthropicResponses.malformed("unknown processing_status '" + status + "'", details, null);
    }
    JsonNode c = root.path("request_counts");
    BatchJob.Counts counts = new BatchJob.Counts(count(c, "processing"), count(c, "succeeded"),
        count(c, "errored"), count(c, "canceled"), count(c, "expired"));
    try {
      return new BatchJob(AnthropicResponses.text(root, "id"), AnthropicProvider.ID, s, counts,
          instant(root, "created_at"), instant(root, "expires_at"),
          Optional.ofNullable(root.hasNonNull("ended_at") ? instant(root, "ended_at") : null));
    } catch (IllegalArgumentException | NullPointerException | DateTimeParseException e) {
      throw AnthropicResponses.malformed("the message_batch is incomplete: " + e.getMessage(), details, null);
    }
  }

  private static long count(JsonNode counts, String field) {
    JsonNode n = counts.get(field);
    return n == null || !n.canConvertToLong() ? 0 : n.longValue();
  }

  private static Instant instant(JsonNode root, String field) {
    String text = AnthropicResponses.text(root, field);
    if (text == null) {
      throw new IllegalArgumentException("no " + field);
    }
    return Instant.parse(text);
  }

  private HttpUrl batchUrl(String batchId) {
    Objects.requireNonNull(batchId, "batchId");
    if (batchId.isBlank()) {
      throw new IllegalArgumentException("batchId must not be blank");
    }
    return batchesUrl.newBuilder().addPathSegment(batchId).build();
  }

  private Request.Builder request(HttpUrl url) {
    return new Request.Builder()
        .url(url)
        .header(authHeader, authValue)
        .header("anthropic-version", version)
        .header("accept", "application/json");
  }
}
