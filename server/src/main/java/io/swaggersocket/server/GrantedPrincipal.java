package io.swaggersocket.server;

import java.security.Principal;
import java.util.Objects;

/**
 * Immutable and thread-safe: who an {@link AccessPolicy} authenticated, with the {@link Grants} of
 * that principal, as the server's connections and ingress calls report it from
 * {@code principal()}. Equal when the name, grants and the credential used are equal.
 *
 * <p>{@link #credential()} says which kind of credential was presented and names it only by what
 * is not secret (an access key id, a certificate's subject, a token's position in the policy),
 * never a token or a secret key. A custom {@link Authenticator} may return these too, to give its
 * principals grants; any other {@link Principal} has every grant.
 */
public final class GrantedPrincipal implements Principal {
    private final String name;
    private final Grants grants;
    private final String credential;
    /** What identifies the credential within a policy (a token's digest, a key id, a name); never shown. */
    private final String credentialKey;

    /**
     * @param name the principal's name, as access files and logs show it
     * @param grants what it may do
     * @param credential a non-secret description of the credential presented, such as
     *        {@code "access key AK1"}; it also tells an access-policy reload which credential a
     *        live connection rests on
     */
    public GrantedPrincipal(String name, Grants grants, String credential) {
        this(name, grants, credential, credential);
    }

    GrantedPrincipal(String name, Grants grants, String credential, String credentialKey) {
        this.name = Objects.requireNonNull(name, "name");
        this.grants = Objects.requireNonNull(grants, "grants");
        this.credential = Objects.requireNonNull(credential, "credential");
        this.credentialKey = Objects.requireNonNull(credentialKey, "credentialKey");
    }

    /** Identifies the credential within a policy; package-private because a token's digest is in it. */
    String credentialKey() {
        return credentialKey;
    }

    @Override
    public String getName() {
        return name;
    }

    /** What this principal may do. */
    public Grants grants() {
        return grants;
    }

    /** Which credential was presented, named without its secret, e.g. {@code "token 2"} or {@code "access key AK1"}. */
    public String credential() {
        return credential;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GrantedPrincipal g && g.name.equals(name) && g.grants.equals(grants)
                && g.credential.equals(credential) && g.credentialKey.equals(credentialKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, grants, credential, credentialKey);
    }

    @Override
    public String toString() {
        return name;
    }
}
