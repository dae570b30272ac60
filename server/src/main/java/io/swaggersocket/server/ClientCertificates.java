package io.swaggersocket.server;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Stateless and thread-safe: reads who a client certificate names, for an {@link Authenticator}
 * mapping {@link UpgradeRequest#clientCertificates()} to a principal.
 *
 * <pre>{@code
 * Authenticator byCertificate = request -> request.clientCertificates().stream().findFirst()
 *         .flatMap(ClientCertificates::commonName)
 *         .map(cn -> AuthResult.accept(new AgentPrincipal(cn)))
 *         .orElseGet(() -> AuthResult.unauthorized("expected a client certificate"));
 * }</pre>
 */
public final class ClientCertificates {
    private ClientCertificates() {
    }

    /**
     * The common name (CN) of the certificate's subject, such as {@code edge-7} for
     * {@code CN=edge-7,O=Example}. Only the most specific RDN holding a CN counts (the first in
     * RFC 2253 order): empty when there is none, or when its CN is empty, not a string, or one of
     * several in the same RDN (as in {@code CN=a+CN=b}), since none of those names one subject.
     *
     * @throws IllegalArgumentException when the subject is not an RFC 2253 name (never for a
     *         certificate the JDK parsed)
     */
    public static Optional<String> commonName(X509Certificate certificate) {
        String subject = Objects.requireNonNull(certificate, "certificate").getSubjectX500Principal()
                .getName(X500Principal.RFC2253);
        List<Rdn> rdns;
        try {
            rdns = new LdapName(subject).getRdns();
        } catch (InvalidNameException e) {
            throw new IllegalArgumentException("certificate: expected an RFC 2253 subject but was \"" + subject
                    + "\": " + e.getMessage(), e);
        }
        // LdapName lists RDNs from the root (index 0) to the most specific (the last).
        for (int i = rdns.size() - 1; i >= 0; i--) {
            Attribute cn = rdns.get(i).toAttributes().get("cn");
            if (cn != null) {
                return cn.size() == 1 && value(cn) instanceof String name && !name.isEmpty()
                        ? Optional.of(name) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Object value(Attribute attribute) {
        try {
            return attribute.get();
        } catch (NamingException e) {
            throw new AssertionError("an RDN's attribute is held in memory", e);
        }
    }
}
