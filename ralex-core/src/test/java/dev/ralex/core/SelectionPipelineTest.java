package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.Feedback;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Rating;
import dev.ralex.api.RequestComplexity;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What the pipeline gives a selector and takes from it: complexity, output caps, verdicts and ratings. */
class SelectionPipelineTest {
  /** Picks the small model, optionally capping the output, and records everything it is told. */
  private static class RecordingSelector implements ModelSelector {
    final List<RoutingContext> contexts = new CopyOnWriteArrayList<>();
    final List<Feedback> feedback = new CopyOnWriteArrayList<>();
    final List<Rating> ratings = new CopyOnWriteArrayList<>();
    private final Integer cap;

    RecordingSelector(Integer cap) {
      this.cap = cap;
    }

    @Override
    public Selection select(RoutingContext context) {
      contexts.add(context);
      Selection s = new Selection(TestModels.SMALL, List.of(TestModels.LARGE), "test");
      return cap == null ? s : s.withMaxOutputTokens(cap);
    }

    @Override
    public void feedback(Feedback f) {
      feedback.add(f);
    }

    @Override
    public void rated(Rating rating) {
      ratings.add(rating);
    }
  }

  private final List<RalexEvent> events = new CopyOnWriteArrayList<>();

  private Ralex.Builder builder(ScriptedProvider provider, ModelSelector selector) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .selector(selector)
        .listener(new RalexListener() {
          @Override
          public void onEvent(RalexEvent event) {
            events.add(event);
          }
        });
  }

  @Test
  void theRoutingContextCarriesTheRequestsComplexity() {
    RecordingSelector selector = new RecordingSelector(null);
    try (Ralex ralex = builder(new ScriptedProvider("test"), selector).build()) {
      ralex.chat(ChatRequest.of("Refactor the architecture of Billing.java, Ledger.java and Invoice.java"));
      ralex.chat(ChatRequest.of("fix the typo"));
    }
    assertThat(selector.contexts.get(0).complexity().taskType()).isEqualTo(RequestComplexity.TaskType.REFACTOR);
    assertThat(selector.contexts.get(0).complexity().signals()).isNotEmpty();
    assertThat(selector.contexts.get(1).complexity().taskType()).isEqualTo(RequestComplexity.TaskType.CODE_FIX);
    assertThat(selector.contexts.get(1).complexity().level()).isEqualTo(RequestComplexity.Level.LOW);
  }

  @Test
  void aSelectionsOutputCapIsWhatTheProviderIsAskedForWhenItIsTheSmaller() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider, new RecordingSelector(120)).build()) {
      ralex.chat(ChatRequest.builder().addUserMessage("a").maxOutputTokens(400).build());
      ralex.chat(ChatRequest.builder().addUserMessage("b").maxOutputTokens(50).build());
    }
    assertThat(provider.requests.get(0).maxOutputTokens()).hasValue(120);
    assertThat(provider.requests.get(1).maxOutputTokens()).hasValue(50);
  }

  @Test
  void theValidatorsVerdictReachesTheSelectorAsQuality() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenAnswer("lazy answer", Usage.of(100, 10))
        .thenAnswer("thorough answer", Usage.of(100, 200));
    ResponseValidator validator = (request, response) -> response.text().contains("thorough")
        ? ResponseValidator.Verdict.accept() : ResponseValidator.Verdict.reject("not thorough");
    RecordingSelector selector = new RecordingSelector(null);
    try (Ralex ralex = builder(provider, selector).responseValidator(validator).build()) {
      ralex.chat(ChatRequest.of("explain"));
    }
    assertThat(selector.feedback).hasSize(2);
    Feedback rejected = selector.feedback.get(0);
    assertThat(rejected.model()).isEqualTo(TestModels.SMALL);
    assertThat(rejected.succeeded()).isTrue();
    assertThat(rejected.rejected()).isTrue();
    assertThat(rejected.rejection()).hasValue("not thorough");
    assertThat(rejected.quality()).hasValue(0.0);
    Feedback accepted = selector.feedback.get(1);
    assertThat(accepted.model()).isEqualTo(TestModels.LARGE);
    assertThat(accepted.rejected()).isFalse();
    assertThat(accepted.quality()).hasValue(1.0);
  }

  @Test
  void withoutAValidatorFeedbackCarriesNoQuality() {
    RecordingSelector selector = new RecordingSelector(null);
    try (Ralex ralex = builder(new ScriptedProvider("test"), selector).build()) {
      ralex.chat(ChatRequest.of("hi"));
    }
    assertThat(selector.feedback).singleElement().satisfies(f -> {
      assertThat(f.quality()).isEmpty();
      assertThat(f.rejection()).isEmpty();
    });
  }

  @Test
  void aLaterRatingReachesTheSelectorAndTheListenersByCallId() {
    RecordingSelector selector = new RecordingSelector(null);
    try (Ralex ralex = builder(new ScriptedProvider("test"), selector).build()) {
      ChatResponse answer = ralex.chat(ChatRequest.of("hi"));
      ralex.rate(Rating.thumbs(answer.callId(), false));
      assertThat(selector.ratings).singleElement().satisfies(r -> {
        assertThat(r.callId()).isEqualTo(answer.callId());
        assertThat(r.rejected()).isTrue();
      });
      assertThat(events).filteredOn(e -> e instanceof RalexEvent.Rated).singleElement()
          .satisfies(e -> assertThat(e.callId()).isEqualTo(answer.callId()));
    }
  }

  @Test
  void aSelectorThatThrowsOnARatingDoesNotReachTheCaller() {
    ModelSelector broken = new RecordingSelector(null) {
      @Override
      public void rated(Rating rating) {
        throw new IllegalStateException("broken");
      }
    };
    try (Ralex ralex = builder(new ScriptedProvider("test"), broken).build()) {
      ChatResponse answer = ralex.chat(ChatRequest.of("hi"));
      ralex.rate(Rating.of(answer.callId(), 0.7));
      assertThat(events).filteredOn(e -> e instanceof RalexEvent.Rated).hasSize(1);
    }
  }
}
