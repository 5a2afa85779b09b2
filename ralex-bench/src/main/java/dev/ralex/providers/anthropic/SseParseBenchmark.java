package dev.ralex.providers.anthropic;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.StreamHandler;
import dev.ralex.core.ModelCatalog;
import dev.ralex.providers.internal.SseDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import okhttp3.Headers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How fast the Anthropic provider turns a streamed body into handler callbacks: a body of {@code events}
 * {@code content_block_delta} text events (framed by message_start ... message_stop, as the API sends them) is
 * pushed from memory through the same path a live stream takes: the provider's stream receiver gets the status
 * and headers, then the transport's SSE decoder is fed the body in 16 KB buffers (the size the JDK's HTTP client
 * hands its body subscribers), and the receiver's event state machine calls the handler once per delta and
 * completes with the assembled response. No network, so the figure is the parsing alone. Lives in the provider's
 * package to reach its package-private stream class.
 *
 * <p>Bytes per second = body size / time per operation; allocation per event = allocation per operation /
 * events (run with {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class SseParseBenchmark {
  @Param({"10000"})
  public int events;

  /** The JDK HTTP client's default buffer size ({@code jdk.httpclient.bufsize}). */
  private static final int BUFFER_BYTES = 16 * 1024;
  private static final Headers HEADERS = Headers.of("content-type", "text/event-stream", "request-id", "req_bench");

  private byte[] body;
  private ModelInfo model;

  @Setup
  public void setUp() {
    model = ModelCatalog.bundled().require("anthropic/claude-haiku-4-5");
    StringBuilder sb = new StringBuilder();
    sb.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",")
        .append("\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],")
        .append("\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n")
        .append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,")
        .append("\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    for (int i = 0; i < events; i++) {
      // A typical delta: a few words of text, as models stream them.
      sb.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,")
          .append("\"delta\":{\"type\":\"text_delta\",\"text\":\" the quick brown fox ").append(i % 10)
          .append("\"}}\n\n");
    }
    sb.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
        .append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",")
        .append("\"stop_sequence\":null},\"usage\":{\"output_tokens\":").append(events * 5).append("}}\n\n")
        .append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    body = sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The body's size, for the MB/s figure. */
  public int bodyBytes() {
    return body.length;
  }

  @Benchmark
  public ChatResponse parse(Blackhole bh) throws IOException {
    StreamHandler handler = new StreamHandler() {
      @Override
      public void onTextDelta(String text) {
        bh.consume(text);
      }

      @Override
      public void onComplete(ChatResponse response) {
        bh.consume(response);
      }

      @Override
      public void onError(LlmException error) {
        throw error;
      }
    };
    AnthropicStream stream = new AnthropicStream(model, handler, Clock.systemUTC(), "bench-secret");
    stream.onResponse(200, HEADERS);
    SseDecoder decoder = new SseDecoder(stream);
    boolean more = true;
    for (int from = 0; from < body.length && more; from += BUFFER_BYTES) {
      more = decoder.feed(ByteBuffer.wrap(body, from, Math.min(BUFFER_BYTES, body.length - from)));
    }
    stream.onEnd(!more || decoder.end());
    return stream.completion().join();
  }
}
