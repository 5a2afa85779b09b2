package dev.ralex.opentelemetry;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.Message;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.util.List;
import java.util.Locale;

/**
 * Writes a conversation as the JSON of the OpenTelemetry GenAI conventions' opt-in content attributes ({@code
 * gen_ai.input.messages}, {@code gen_ai.output.messages}, {@code gen_ai.system_instructions}): messages of a role
 * and parts, each part typed ({@code text}, {@code tool_call}, {@code tool_call_response}, {@code reasoning}).
 * Images are described by their media type only, never their data. Written by hand so that the module needs no
 * JSON library.
 */
final class ContentJson {
  private ContentJson() {}

  /** The request's messages, as {@code gen_ai.input.messages}. */
  static String messages(List<Message> messages) {
    StringBuilder out = new StringBuilder(256).append('[');
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      Message message = messages.get(i);
      out.append("{\"role\":");
      string(out, message.role().name().toLowerCase(Locale.ROOT));
      out.append(",\"parts\":");
      parts(out, message.content());
      out.append('}');
    }
    return out.append(']').toString();
  }

  /** The system prompt's blocks, as {@code gen_ai.system_instructions}. */
  static String systemInstructions(List<TextBlock> system) {
    StringBuilder out = new StringBuilder(128);
    parts(out, List.copyOf(system));
    return out.toString();
  }

  /** The answer, as {@code gen_ai.output.messages}: one assistant message with its finish reason. */
  static String output(ChatResponse response) {
    StringBuilder out = new StringBuilder(256).append("[{\"role\":\"assistant\",\"parts\":");
    parts(out, response.content());
    out.append(",\"finish_reason\":");
    string(out, response.stopReason().raw());
    return out.append("}]").toString();
  }

  private static void parts(StringBuilder out, List<? extends ContentBlock> blocks) {
    out.append('[');
    for (int i = 0; i < blocks.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      part(out, blocks.get(i));
    }
    out.append(']');
  }

  private static void part(StringBuilder out, ContentBlock block) {
    if (block instanceof TextBlock text) {
      out.append("{\"type\":\"text\",\"content\":");
      string(out, text.text());
    } else if (block instanceof ToolUseBlock use) {
      out.append("{\"type\":\"tool_call\",\"id\":");
      string(out, use.id());
      out.append(",\"name\":");
      string(out, use.name());
      out.append(",\"arguments\":");
      string(out, use.inputJson());
    } else if (block instanceof ToolResultBlock result) {
      out.append("{\"type\":\"tool_call_response\",\"id\":");
      string(out, result.toolUseId());
      out.append(",\"result\":");
      string(out, textOf(result.content()));
    } else if (block instanceof ThinkingBlock thinking) {
      out.append("{\"type\":\"reasoning\",\"content\":");
      string(out, thinking.thinking());
    } else if (block instanceof ImageBlock image) {
      out.append("{\"type\":\"image\",\"mime_type\":");
      string(out, image.mediaType());
    } else if (block instanceof OtherBlock other) {
      out.append("{\"type\":");
      string(out, other.type());
    } else {
      out.append("{\"type\":\"unknown\"");
    }
    out.append('}');
  }

  private static String textOf(List<ContentBlock> content) {
    StringBuilder text = new StringBuilder();
    for (ContentBlock block : content) {
      if (block instanceof TextBlock t) {
        text.append(t.text());
      }
    }
    return text.toString();
  }

  /** Appends {@code s} as a JSON string; {@code null} as {@code null}. */
  static void string(StringBuilder out, String s) {
    if (s == null) {
      out.append("null");
      return;
    }
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
