package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRequestOptionsTest {
  /** An option type as a provider module would define it. */
  record Routing(List<String> order) {}

  /** Another provider's option type. */
  record Metadata(String userId) {}

  @Test
  void optionsAreTypedAndSurviveCopies() {
    ChatRequest request = ChatRequest.builder().addUserMessage("x")
        .option(Routing.class, new Routing(List.of("anthropic", "google")))
        .option(Metadata.class, new Metadata("u-1"))
        .build();

    assertThat(request.option(Routing.class)).map(Routing::order).hasValue(List.of("anthropic", "google"));
    assertThat(request.option(Metadata.class)).map(Metadata::userId).hasValue("u-1");
    assertThat(request.option(String.class)).isEmpty();
    assertThat(request.withModel("p/m").option(Routing.class)).isPresent();
    assertThat(request.withMaxOutputTokens(10).option(Metadata.class)).isPresent();
    assertThat(request.toBuilder().build()).isEqualTo(request);
    assertThat(request.toString()).contains("Routing", "Metadata");
  }

  @Test
  void nullValueRemovesAnOptionAndMapIsImmutable() {
    ChatRequest request = ChatRequest.builder().addUserMessage("x")
        .option(Metadata.class, new Metadata("u-1"))
        .option(Metadata.class, null)
        .build();
    assertThat(request.options()).isEmpty();
    ChatRequest with = request.toBuilder().option(Metadata.class, new Metadata("u")).build();
    assertThatThrownBy(() -> with.options().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ChatRequest.builder().option(null, "x")).isInstanceOf(NullPointerException.class);
  }
}
