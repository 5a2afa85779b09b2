package dev.ralex.api;

import java.net.URI;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;

/**
 * An image, given inline as base64 data or by URL.
 *
 * @param mediaType the MIME type, one of {@code image/jpeg}, {@code image/png}, {@code image/gif}, {@code
 *     image/webp}; for a URL image, the type the caller expects (providers fetch the image themselves)
 * @param base64Data the base64-encoded bytes, or {@code null} for a URL image
 * @param url the image's address, or {@code null} for inline data
 * @param cacheControl a prompt-cache breakpoint after this block, or {@link CacheControl#NONE}
 */
public record ImageBlock(String mediaType, String base64Data, URI url, CacheControl cacheControl)
    implements ContentBlock {

  private static final Set<String> MEDIA_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

  /** Validates the block: exactly one of data and URL, a supported media type, and well-formed base64. */
  public ImageBlock {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(cacheControl, "cacheControl");
    if (!MEDIA_TYPES.contains(mediaType)) {
      throw new IllegalArgumentException("mediaType must be one of " + MEDIA_TYPES + " but was '" + mediaType + "'");
    }
    if ((base64Data == null) == (url == null)) {
      throw new IllegalArgumentException("an image needs exactly one of base64Data and url");
    }
    if (base64Data != null) {
      if (base64Data.isEmpty()) {
        throw new IllegalArgumentException("base64Data must not be empty");
      }
      try {
        Base64.getDecoder().decode(base64Data);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("base64Data is not valid base64: " + e.getMessage(), e);
      }
    }
    if (url != null && !("https".equalsIgnoreCase(url.getScheme()) || "http".equalsIgnoreCase(url.getScheme()))) {
      throw new IllegalArgumentException("url must be http or https but was '" + url + "'");
    }
  }

  /** An inline image. */
  public static ImageBlock base64(String mediaType, String base64Data) {
    return new ImageBlock(mediaType, Objects.requireNonNull(base64Data, "base64Data"), null, CacheControl.NONE);
  }

  /** An inline image from raw bytes. */
  public static ImageBlock ofBytes(String mediaType, byte[] bytes) {
    return base64(mediaType, Base64.getEncoder().encodeToString(Objects.requireNonNull(bytes, "bytes")));
  }

  /** An image the provider fetches from {@code url}. */
  public static ImageBlock url(String mediaType, URI url) {
    return new ImageBlock(mediaType, null, Objects.requireNonNull(url, "url"), CacheControl.NONE);
  }

  @Override
  public String type() {
    return "image";
  }

  /** Names the source without the data. */
  @Override
  public String toString() {
    return "ImageBlock[" + mediaType + ", " + (url != null ? url : base64Data.length() + " base64 chars") + "]";
  }
}
