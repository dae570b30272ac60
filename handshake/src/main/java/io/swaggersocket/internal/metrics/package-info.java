/**
 * Internal: metrics plumbing that the server and the client share (which registry meters go to,
 * which one a Prometheus endpoint reads, the byte totals of connections). Not part of the API: it
 * may change in any release.
 */
package io.swaggersocket.internal.metrics;
