package dev.ralex.api;

/**
 * A fast, tokenizer-free estimate of the tokens a request will be billed for, used where no exact count is
 * available. It counts about one token per four characters of Latin text and one per character of CJK text,
 * plus fixed overheads per message, per tool and per image, and errs on the high side so that context fitting
 * and budget reservations stay safe.
 */
public final class TokenEstimates {
  /** Tokens the provider adds around every message (role markers and separators). */
  static final int PER_MESSAGE_OVERHEAD = 4;
  /** Tokens the provider adds to describe the tool-use protocol when tools are present. */
  static final int TOOLS_PREAMBLE = 350;
  /** A conservative figure for one image (about 1,100 x 1,100 pixels on Anthropic's formula). */
  static final int PER_IMAGE = 1_600;

  private TokenEstimates() {}

  /** The estimated input tokens of {@code request}, never less than 1. */
  public static int estimateInputTokens(ChatRequest request) {
    long tokens = fixed(request);
    for (Message message : request.messages()) {
      tokens += message(message);
    }
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, tokens));
  }

  /** The request's parts other than its messages: the system prompt and the tool definitions. */
  static long fixed(ChatRequest request) {
    long tokens = 0;
    for (TextBlock block : request.system()) {
      tokens += estimateText(block.text());
    }
    if (!request.tools().isEmpty()) {
      tokens += TOOLS_PREAMBLE;
      for (ToolDefinition tool : request.tools()) {
        tokens += estimateText(tool.name()) + estimateText(tool.description())
            + estimateText(tool.inputSchemaJson()) + PER_MESSAGE_OVERHEAD;
      }
    }
    return tokens;
  }

  /** One message: its overhead and every block; at least {@link #PER_MESSAGE_OVERHEAD}. */
  static long message(Message message) {
    long tokens = PER_MESSAGE_OVERHEAD;
    for (ContentBlock block : message.content()) {
      tokens += estimateBlock(block);
    }
    return tokens;
  }

  private static long estimateBlock(ContentBlock block) {
    if (block instanceof TextBlock t) {
      return estimateText(t.text());
    } else if (block instanceof ToolUseBlock u) {
      return PER_MESSAGE_OVERHEAD + estimateText(u.name()) + estimateText(u.inputJson());
    } else if (block instanceof ToolResultBlock r) {
      long sum = PER_MESSAGE_OVERHEAD;
      for (ContentBlock inner : r.content()) {
        sum += estimateBlock(inner);
      }
      return sum;
    } else if (block instanceof ImageBlock) {
      return PER_IMAGE;
    } else if (block instanceof ThinkingBlock t) {
      return estimateText(t.thinking());
    } else {
      return estimateText(((OtherBlock) block).rawJson());
    }
  }

  /**
   * The estimated tokens of {@code text}: a quarter of a token per ASCII character, rounded up, and a whole
   * token per other character (CJK and most other scripts take one or more tokens per character).
   */
  public static long estimateText(String text) {
    long ascii = 0;
    long other = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        ascii++;
      } else if (!Character.isLowSurrogate(c)) {
        other++;
      }
    }
    return (ascii + 3) / 4 + other;
  }
}
