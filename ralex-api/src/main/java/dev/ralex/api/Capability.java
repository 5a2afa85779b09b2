package dev.ralex.api;

/** Something a model can do, recorded in the catalog and used to rule models in or out of a request. */
public enum Capability {
  /** Accepts tool definitions and calls tools. */
  TOOLS,
  /** Accepts image blocks. */
  VISION,
  /** Streams its answer. */
  STREAMING,
  /** Honours prompt-cache breakpoints. */
  PROMPT_CACHING,
  /** Accepts the sampling parameters temperature, top-p and top-k. */
  SAMPLING_PARAMETERS,
  /** Can reason visibly before answering. */
  EXTENDED_THINKING,
  /** Has a context window of 500,000 tokens or more. */
  LONG_CONTEXT
}
