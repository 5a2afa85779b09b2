package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.StopReason;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseCodecTest {
  private static ChatResponse sample() {
    return ChatResponse.builder()
        .id("msg_1")
        .callId("call-1")
        .content(List.of(new ThinkingBlock("let me think", "sig=="), ContentBlock.text("Hello, wörld! 你好 👋"),
            new ToolUseBlock("toolu_1", "read_file", "{\"path\":\"a \\\"b\\\".txt\"}"),
            new OtherBlock("server_tool_use", "{\"type\":\"server_tool_use\",\"id\":\"x\"}")))
        .model("test/small")
        .provider("test")
        .usage(new Usage(1_000, 250, 300, 40))
        .stopReason(StopReason.of("some_future_reason"))
        .cost(new BigDecimal("0.000123456789"))
        .attempts(2)
        .modelsTried(List.of("test/large", "test/small"))
        .providerRequestId("req_42")
        .providerModel("small-2026-01-01")
        .latency(Duration.ofMillis(900))
        .build();
  }

  @Test
  void everythingThatDescribesTheAnswerRoundTripsExactly() {
    ChatResponse original = sample();
    ChatResponse back = ResponseCodec.fromJson(ResponseCodec.toJson(original));
    assertThat(back.content()).isEqualTo(original.content());
    assertThat(back.usage()).isEqualTo(original.usage());
    assertThat(back.stopReason().raw()).isEqualTo("some_future_reason");
    assertThat(back.cost()).isEqualTo(new BigDecimal("0.000123456789"));
    assertThat(back.modelsTried()).containsExactly("test/large", "test/small");
    assertThat(back.attempts()).isEqualTo(2);
    assertThat(back.providerRequestId()).hasValue("req_42");
    assertThat(back.providerModel()).hasValue("small-2026-01-01");
    assertThat(back.id()).isEqualTo("msg_1");
    assertThat(back.callId()).isEqualTo("call-1");
    // What describes the call rather than the answer is not kept.
    assertThat(back.latency()).isZero();
  }

  @Test
  void whatIsNotAnAnswerIsRefusedClearly() {
    assertThatThrownBy(() -> ResponseCodec.fromJson("{not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> ResponseCodec.fromJson("{\"format\":9}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 1");
    String noModel = new String(ResponseCodec.toJson(sample()), StandardCharsets.UTF_8)
        .replace("\"model\":\"test/small\",", "");
    assertThatThrownBy(() -> ResponseCodec.fromJson(noModel.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'model'");
  }
}
