package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RalexListenerTest {
  private static final ModelInfo MODEL = Fixtures.model("test/small");
  private static final LlmException FAILURE = new NetworkException("reset", ErrorDetails.NONE);

  private static List<RalexEvent> oneOfEach() {
    return List.of(
        new RalexEvent.CallStarted("c1", ChatRequest.of("x"), false, Instant.EPOCH),
        new RalexEvent.ModelSelected("c1", Selection.of(MODEL, "default")),
        new RalexEvent.Retrying("c1", MODEL, 2, FAILURE, Duration.ofMillis(100)),
        new RalexEvent.FallingBack("c1", MODEL, Fixtures.model("test/large"), FAILURE),
        new RalexEvent.UsageRecorded("c1", MODEL, Usage.of(1, 2), BigDecimal.ZERO, Instant.EPOCH),
        new RalexEvent.CallSucceeded("c1", Fixtures.response(List.of())),
        new RalexEvent.CallFailed("c1", FAILURE, Duration.ofSeconds(1)));
  }

  private static void dispatch(RalexListener l, RalexEvent e) {
    if (e instanceof RalexEvent.CallStarted x) {
      l.onCallStarted(x);
    } else if (e instanceof RalexEvent.ModelSelected x) {
      l.onModelSelected(x);
    } else if (e instanceof RalexEvent.Retrying x) {
      l.onRetrying(x);
    } else if (e instanceof RalexEvent.FallingBack x) {
      l.onFallingBack(x);
    } else if (e instanceof RalexEvent.UsageRecorded x) {
      l.onUsageRecorded(x);
    } else if (e instanceof RalexEvent.CallSucceeded x) {
      l.onCallSucceeded(x);
    } else if (e instanceof RalexEvent.CallFailed x) {
      l.onCallFailed(x);
    }
  }

  @Test
  void everyPerEventMethodPassesItsEventToOnEventByDefault() {
    List<RalexEvent> seen = new ArrayList<>();
    RalexListener catchAll = new RalexListener() {
      @Override
      public void onEvent(RalexEvent event) {
        seen.add(event);
      }
    };
    List<RalexEvent> events = oneOfEach();
    events.forEach(e -> dispatch(catchAll, e));
    assertThat(seen).containsExactlyElementsOf(events);
  }

  @Test
  void overridingOneMethodTakesThatEventAwayFromOnEvent() {
    List<String> seen = new ArrayList<>();
    RalexListener listener = new RalexListener() {
      @Override
      public void onEvent(RalexEvent event) {
        seen.add("event:" + event.getClass().getSimpleName());
      }

      @Override
      public void onCallFailed(RalexEvent.CallFailed event) {
        seen.add("failed:" + event.error().kind());
      }
    };
    oneOfEach().forEach(e -> dispatch(listener, e));
    assertThat(seen).containsExactly("event:CallStarted", "event:ModelSelected", "event:Retrying",
        "event:FallingBack", "event:UsageRecorded", "event:CallSucceeded", "failed:NETWORK");
  }

  @Test
  void eventsCarryTheCallIdAndRejectMissingParts() {
    assertThat(oneOfEach()).extracting(RalexEvent::callId).containsOnly("c1");
    assertThatThrownBy(() -> new RalexEvent.CallStarted(null, ChatRequest.of("x"), false, Instant.EPOCH))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("callId");
    assertThatThrownBy(() -> new RalexEvent.Retrying("c", MODEL, 2, FAILURE, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("delay");
  }
}
