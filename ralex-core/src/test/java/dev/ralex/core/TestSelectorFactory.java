package dev.ralex.core;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelSelectorFactory;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.SelectorConfig;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A selector factory registered with ServiceLoader in the test class path (and so in ralex-core's test jar),
 * type {@code pick}: its selector always picks the candidate named by the {@code model} setting, which is
 * required. The other keys it accepts are only recorded.
 */
public final class TestSelectorFactory implements ModelSelectorFactory {
  /** The config the last selector was created from. */
  static volatile SelectorConfig lastConfig;

  @Override
  public String type() {
    return "pick";
  }

  @Override
  public ModelSelector create(SelectorConfig config) {
    config.requireOnly("model", "note", "flag", "file");
    String model = config.get("model").orElseThrow(() -> config.invalid("model", "is required: a model id"));
    config.integer("note");
    config.path("file");
    lastConfig = config;
    return new PickSelector(model, null);
  }

  /** Picks one model by id; closeable, counting its closes, and failing them with {@code closeFailure} if set. */
  static final class PickSelector implements ModelSelector, AutoCloseable {
    final String model;
    final AtomicInteger closes = new AtomicInteger();
    private final UncheckedIOException closeFailure;

    PickSelector(String model, UncheckedIOException closeFailure) {
      this.model = model;
      this.closeFailure = closeFailure;
    }

    @Override
    public Selection select(RoutingContext context) {
      for (ModelInfo m : context.candidates()) {
        if (m.id().equals(model)) {
          return new Selection(m, List.of(), "pick: " + model);
        }
      }
      return new Selection(context.candidates().get(0), List.of(), "pick: not a candidate");
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      if (closeFailure != null) {
        throw closeFailure;
      }
    }
  }
}
