package dev.ralex.providers.anthropic;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.StreamHandler;
import dev.ralex.core.ModelCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
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
 * read from memory through the provider's own SSE reader and event state machine, which call the handler once
 * per delta, then complete with the assembled response. No network: the body is an in-memory OkHttp response.
 * Lives in the provider's package to reach its package-private stream class.
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

  private byte[] body;
  private ModelInfo model;
  private Call call;
  private Request request;

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
    request = new Request.Builder().url("http://127.0.0.1:1/v1/messages").build();
    call = new OkHttpClient().newCall(request); // never executed: only asked whether it was cancelled
  }

  /** The body's size, for the MB/s figure. */
  public int bodyBytes() {
    return body.length;
  }

  @Benchmark
  public ChatResponse parse(Blackhole bh) {
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
    Response response = new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(200)
        .message("OK")
        .header("content-type", "text/event-stream")
        .body(ResponseBody.create(body, MediaType.get("text/event-stream")))
        .build();
    stream.onResponse(call, response);
    return stream.completion().join();
  }
}
