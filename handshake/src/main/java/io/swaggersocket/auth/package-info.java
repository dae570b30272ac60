/**
 * Signed requests: an HMAC-SHA256 credential in the style of AWS Signature Version 4, specified in
 * {@code docs/SIGNING.md}. {@link io.swaggersocket.auth.RequestSigner} signs (agents, CLI users,
 * generated clients); {@link io.swaggersocket.auth.SignatureVerifier} checks signatures and refuses
 * replays (the server). Pure JDK plus httpcore5 for the {@code ClassicHttpRequest} convenience.
 */
package io.swaggersocket.auth;
