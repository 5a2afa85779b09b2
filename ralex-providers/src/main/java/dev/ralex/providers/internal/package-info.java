/**
 * Plumbing shared by Ralex's HTTP providers: the HTTP client settings, server-sent-event parsing, JSON limits,
 * retry hints and error mapping. Not a public API: it may change in any release.
 */
package dev.ralex.providers.internal;
