package dev.ralex.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.CacheControl;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.Message;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@link ConversationStore} with one JSON file per conversation.
 *
 * <p>File names: {@code c-<encoded id>.json}, where the id's UTF-8 bytes {@code [a-z0-9_-]} stay as they are and
 * every other byte becomes {@code ~} and two lower-case hex digits, so names are injective even on
 * case-insensitive file systems, hold no separator or dot, and never leave the directory. An encoded id longer
 * than {@value #MAX_ENCODED} characters is stored as {@code h-<sha-256 of the id>.json}. Every file also holds
 * its id, checked on load.
 *
 * <p>Writes go to a temporary file {@code .tmp-*} in the directory, forced to disk, then renamed atomically over
 * the conversation's file; temporary files left by a crash are ignored. Thread-safe without locks: each write
 * has its own temporary file and the rename is atomic.
 */
final class FileConversationStore implements ConversationStore {
  static final int FORMAT = 1;
  private static final int MAX_ENCODED = 160;
  private static final String SUFFIX = ".json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Path directory;

  FileConversationStore(Path directory) {
    Objects.requireNonNull(directory, "directory");
    this.directory = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.directory);
    } catch (IOException e) {
      throw new ConversationStoreException("cannot create the conversation directory " + this.directory, e);
    }
  }

  /** The file that holds the conversation with this id; always directly inside the directory. */
  Path fileFor(String id) {
    String encoded = encode(id);
    String name = encoded.length() <= MAX_ENCODED ? "c-" + encoded + SUFFIX : "h-" + sha256(id) + SUFFIX;
    return directory.resolve(name);
  }

  @Override
  public Optional<ConversationState> load(String id) {
    checkId(id);
    Path file = fileFor(id);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ConversationStoreException("cannot read conversation file " + file, e);
    }
    Stored stored = parse(file, bytes);
    if (!stored.id.equals(id)) {
      throw new ConversationStoreException("conversation file " + file + " holds conversation '" + stored.id
          + "', not the expected '" + id + "'", null);
    }
    return Optional.of(stored.state);
  }

  @Override
  public void save(String id, ConversationState state) {
    checkId(id);
    Objects.requireNonNull(state, "state");
    Path file = fileFor(id);
    byte[] bytes = write(id, state);
    try {
      AtomicFiles.replace(file, bytes);
    } catch (AtomicMoveNotSupportedException e) {
      throw new ConversationStoreException("the file system of " + directory
          + " cannot rename atomically; conversations cannot be stored there safely", e);
    } catch (IOException e) {
      throw new ConversationStoreException("cannot write conversation file " + file, e);
    }
  }

  @Override
  public void delete(String id) {
    checkId(id);
    Path file = fileFor(id);
    try {
      Files.deleteIfExists(file);
      AtomicFiles.syncDirectory(directory);
    } catch (IOException e) {
      throw new ConversationStoreException("cannot delete conversation file " + file, e);
    }
  }

  @Override
  public Set<String> ids() {
    Set<String> ids = new HashSet<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "[ch]-*" + SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith("c-")) {
          ids.add(decode(file, name.substring(2, name.length() - SUFFIX.length())));
        } else {
          try {
            ids.add(parse(file, Files.readAllBytes(file)).id);
          } catch (NoSuchFileException deletedMeanwhile) {
            // Gone since the listing: not stored any more.
          }
        }
      }
    } catch (IOException e) {
      throw new ConversationStoreException("cannot list conversation directory " + directory, e);
    }
    return Set.copyOf(ids);
  }

  @Override
  public String toString() {
    return "ConversationStore.files[" + directory + "]";
  }

  private static void checkId(String id) {
    Objects.requireNonNull(id, "id");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("conversation id must not be empty");
    }
  }

  static String encode(String id) {
    StringBuilder sb = new StringBuilder(id.length());
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        sb.append(c);
      } else {
        sb.append('~').append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
    }
    return sb.toString();
  }

  private static String decode(Path file, String encoded) {
    byte[] out = new byte[encoded.length()];
    int n = 0;
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '~' && i + 2 < encoded.length()) {
        int hi = Character.digit(encoded.charAt(i + 1), 16);
        int lo = Character.digit(encoded.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new ConversationStoreException("conversation file " + file + " has a malformed name", null);
        }
        out[n++] = (byte) ((hi << 4) | lo);
        i += 2;
      } else if (c == '~') {
        throw new ConversationStoreException("conversation file " + file + " has a malformed name", null);
      } else {
        out[n++] = (byte) c;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  private static String sha256(String id) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  // --- JSON ---------------------------------------------------------------------------------------------------

  private record Stored(String id, ConversationState state) {}

  static byte[] write(String id, ConversationState state) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("id", id);
    if (state.systemPrompt() != null) {
      root.put("system", state.systemPrompt());
    }
    if (state.model() != null) {
      root.put("model", state.model());
    }
    if (state.dailyBudget() != null) {
      root.put("daily_budget", state.dailyBudget().toPlainString());
    }
    ArrayNode messages = root.putArray("messages");
    for (Message m : state.messages()) {
      ObjectNode node = messages.addObject();
      node.put("role", m.role().name());
      node.put("pinned", m.pinned());
      writeBlocks(node.putArray("content"), m.content());
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new ConversationStoreException("cannot serialize conversation '" + id + "'", e);
    }
  }

  static void writeBlocks(ArrayNode out, List<ContentBlock> blocks) {
    for (ContentBlock block : blocks) {
      ObjectNode node = out.addObject();
      if (block instanceof TextBlock t) {
        node.put("kind", "text");
        node.put("text", t.text());
        cacheControl(node, t.cacheControl());
      } else if (block instanceof ImageBlock i) {
        node.put("kind", "image");
        node.put("media_type", i.mediaType());
        if (i.base64Data() != null) {
          node.put("data", i.base64Data());
        } else {
          node.put("url", i.url().toString());
        }
        cacheControl(node, i.cacheControl());
      } else if (block instanceof ToolUseBlock u) {
        node.put("kind", "tool_use");
        node.put("id", u.id());
        node.put("name", u.name());
        node.put("input_json", u.inputJson());
      } else if (block instanceof ToolResultBlock r) {
        node.put("kind", "tool_result");
        node.put("tool_use_id", r.toolUseId());
        node.put("is_error", r.isError());
        writeBlocks(node.putArray("content"), r.content());
        cacheControl(node, r.cacheControl());
      } else if (block instanceof ThinkingBlock th) {
        node.put("kind", "thinking");
        node.put("thinking", th.thinking());
        node.put("signature", th.signature());
      } else if (block instanceof OtherBlock o) {
        node.put("kind", "other");
        node.put("type", o.type());
        node.put("raw_json", o.rawJson());
      } else {
        throw new IllegalStateException("unhandled content block " + block.type());
      }
    }
  }

  private static void cacheControl(ObjectNode node, CacheControl cc) {
    if (cc != CacheControl.NONE) {
      node.put("cache_control", cc.name());
    }
  }

  private static Stored parse(Path file, byte[] bytes) {
    try {
      JsonNode root = JSON.readTree(bytes);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      int format = requireField(root, "format").asInt(-1);
      if (format != FORMAT) {
        throw new IllegalArgumentException("unsupported format " + root.get("format") + " (this version reads "
            + FORMAT + ")");
      }
      String id = text(root, "id");
      String system = optionalText(root, "system");
      String model = optionalText(root, "model");
      String budget = optionalText(root, "daily_budget");
      JsonNode messages = requireField(root, "messages");
      if (!messages.isArray()) {
        throw new IllegalArgumentException("'messages' is not an array");
      }
      List<Message> list = new ArrayList<>(messages.size());
      for (int i = 0; i < messages.size(); i++) {
        JsonNode m = messages.get(i);
        try {
          Role role = Role.valueOf(text(m, "role"));
          JsonNode pinned = requireField(m, "pinned");
          if (!pinned.isBoolean()) {
            throw new IllegalArgumentException("'pinned' is not a boolean");
          }
          list.add(new Message(role, readBlocks(requireField(m, "content")), pinned.booleanValue()));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("message " + i + ": " + e.getMessage(), e);
        }
      }
      return new Stored(id, new ConversationState(list, system, model, budget == null ? null : new BigDecimal(budget)));
    } catch (IOException | RuntimeException e) {
      throw new ConversationStoreException("conversation file " + file + " is corrupt: " + e.getMessage(), e);
    }
  }

  static List<ContentBlock> readBlocks(JsonNode array) {
    if (!array.isArray()) {
      throw new IllegalArgumentException("'content' is not an array");
    }
    List<ContentBlock> blocks = new ArrayList<>(array.size());
    for (JsonNode b : array) {
      String kind = text(b, "kind");
      switch (kind) {
        case "text":
          blocks.add(new TextBlock(text(b, "text"), readCacheControl(b)));
          break;
        case "image":
          String url = optionalText(b, "url");
          blocks.add(new ImageBlock(text(b, "media_type"), optionalText(b, "data"),
              url == null ? null : URI.create(url), readCacheControl(b)));
          break;
        case "tool_use":
          blocks.add(new ToolUseBlock(text(b, "id"), text(b, "name"), text(b, "input_json")));
          break;
        case "tool_result":
          JsonNode isError = requireField(b, "is_error");
          if (!isError.isBoolean()) {
            throw new IllegalArgumentException("'is_error' is not a boolean");
          }
          blocks.add(new ToolResultBlock(text(b, "tool_use_id"), readBlocks(requireField(b, "content")),
              isError.booleanValue(), readCacheControl(b)));
          break;
        case "thinking":
          blocks.add(new ThinkingBlock(text(b, "thinking"), text(b, "signature")));
          break;
        case "other":
          blocks.add(new OtherBlock(text(b, "type"), text(b, "raw_json")));
          break;
        default:
          throw new IllegalArgumentException("unknown block kind '" + kind + "'");
      }
    }
    return blocks;
  }

  private static CacheControl readCacheControl(JsonNode node) {
    String cc = optionalText(node, "cache_control");
    return cc == null ? CacheControl.NONE : CacheControl.valueOf(cc);
  }

  private static JsonNode requireField(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("missing '" + field + "'");
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = requireField(node, field);
    if (!value.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' is not a string");
    }
    return value.textValue();
  }

  private static String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' is not a string");
    }
    return value.textValue();
  }
}
