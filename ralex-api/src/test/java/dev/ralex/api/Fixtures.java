package dev.ralex.api;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/** Small, valid values that tests build on. */
final class Fixtures {
  static final String OBJECT_SCHEMA = "{\"type\":\"object\"}";
  static final String WEATHER_SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}";

  private Fixtures() {}

  static ToolDefinition tool(String name) {
    return ToolDefinition.of(name, "a tool named " + name, OBJECT_SCHEMA);
  }

  static Pricing pricing(String input, String output, String cacheRead, String cacheWrite) {
    return new Pricing(new BigDecimal(input), new BigDecimal(output), new BigDecimal(cacheRead),
        new BigDecimal(cacheWrite), "test price list", LocalDate.of(2025, 1, 15));
  }

  static ModelInfo model(String id) {
    return ModelInfo.builder(id).contextWindow(200_000).maxOutputTokens(8_192).pricing(Pricing.FREE).build();
  }

  static ModelInfo model(String id, int contextWindow) {
    return ModelInfo.builder(id).contextWindow(contextWindow).maxOutputTokens(Math.min(1_000, contextWindow))
        .pricing(Pricing.FREE).build();
  }

  static ChatResponse response(List<ContentBlock> content) {
    return ChatResponse.builder().model("test/small").provider("test").content(content)
        .usage(new Usage(12, 34, 0, 0)).build();
  }
}
