package dev.ralex.providers.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON settings of the providers: unknown fields never fail a parse (servers add fields), and strict limits
 * on nesting, string and number sizes so that a broken or hostile server cannot exhaust memory or the stack.
 */
public final class Json {
  /** The largest response body a provider reads, in bytes. */
  public static final long MAX_BODY_BYTES = 64L * 1024 * 1024;

  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(256)
      .maxStringLength(32 * 1024 * 1024)
      .maxNumberLength(1_000)
      .maxDocumentLength(MAX_BODY_BYTES)
      .build();

  /** The shared, thread-safe mapper. */
  public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(LIMITS).build())
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private Json() {}
}
