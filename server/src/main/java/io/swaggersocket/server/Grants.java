package io.swaggersocket.server;

import java.util.List;
import java.util.Objects;

/**
 * Immutable and thread-safe: what a principal may do, as three lists of agent-name patterns.
 * A pattern is an exact agent name or holds {@code *} wildcards, each matching any run of
 * characters (none included): {@code *} matches every name, {@code team-a-*} every name that
 * starts with {@code team-a-}. Nothing else is special.
 *
 * <ul>
 * <li>{@code register}: may connect agents with these names (the tunnel);</li>
 * <li>{@code call}: may call these agents through the ingress;</li>
 * <li>{@code admin}: may list, inspect and kick connections of these agents, read their
 *     metrics and their events ({@code /events}); {@code admin: ["*"]} also reads the server-wide
 *     metrics and events and reloads the access policy.</li>
 * <li>{@code publish}: agents with these names may publish events through their tunnel
 *     ({@code POST /_swaggersocket/events}, docs/EVENTS.md); none unless given.</li>
 * </ul>
 * An agent without a name is covered only by {@code *}.
 *
 * @param register patterns of the names this principal's agents may take
 * @param call patterns of the agents this principal may call
 * @param admin patterns of the agents this principal may administer
 * @param publish patterns of the names under which this principal's agents may publish events
 */
public record Grants(List<String> register, List<String> call, List<String> admin, List<String> publish) {
    private static final Grants ALL = new Grants(List.of("*"), List.of("*"), List.of("*"), List.of("*"));
    private static final Grants NONE = new Grants(List.of(), List.of(), List.of(), List.of());
    /** The longest pattern accepted: agent names are short labels. */
    static final int MAX_PATTERN_LENGTH = 256;

    /**
     * Copies the lists.
     *
     * @throws IllegalArgumentException naming the list and the pattern at fault: an empty pattern,
     *         one over 256 characters, or one holding whitespace or control characters
     */
    public Grants {
        register = validated("register", register);
        call = validated("call", call);
        admin = validated("admin", admin);
        publish = validated("publish", publish);
    }

    /** The grants of the first three lists, with no {@code publish} grant. */
    public Grants(List<String> register, List<String> call, List<String> admin) {
        this(register, call, admin, List.of());
    }

    /** Everything: {@code *} in all four lists; what a plain tokens file gives each token. */
    public static Grants all() {
        return ALL;
    }

    /**
     * The grants of {@code principal} as the server applies them: its own for a
     * {@link GrantedPrincipal}, every grant for any other principal or none (a custom
     * {@link Authenticator}'s, or an anonymous caller's). For applications that call agents on
     * someone's behalf over the library API: ask {@code Grants.of(principal).mayCall(name)}.
     */
    public static Grants of(java.security.Principal principal) {
        return principal instanceof GrantedPrincipal g ? g.grants() : ALL;
    }

    /** Nothing: a principal with these grants can authenticate but do nothing. */
    public static Grants none() {
        return NONE;
    }

    /** True if agents named {@code name} may be connected; {@code null} (no name) needs {@code *}. */
    public boolean mayRegister(String name) {
        return matches(register, name);
    }

    /** True if the agents named {@code name} may be called; {@code null} needs {@code *}. */
    public boolean mayCall(String name) {
        return matches(call, name);
    }

    /** True if connections of agents named {@code name} may be administered; {@code null} needs {@code *}. */
    public boolean mayAdmin(String name) {
        return matches(admin, name);
    }

    /** True if agents named {@code name} may publish events; {@code null} needs {@code *}. */
    public boolean mayPublish(String name) {
        return matches(publish, name);
    }

    /** True if {@code admin} holds {@code *}: server-wide metrics and access reloads. */
    public boolean adminsEverything() {
        return admin.contains("*");
    }

    /** True if {@code name} matches one of {@code patterns}; a {@code null} name only {@code *}. */
    static boolean matches(List<String> patterns, String name) {
        for (String p : patterns) {
            if (name == null ? p.equals("*") : glob(p, name)) {
                return true;
            }
        }
        return false;
    }

    /** Glob match with {@code *} only, iteratively with one backtrack point: linear in practice, never exponential. */
    static boolean glob(String pattern, String name) {
        int p = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = n;
            } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
                p++;
                n++;
            } else if (star >= 0) {
                p = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    private static List<String> validated(String list, List<String> patterns) {
        Objects.requireNonNull(patterns, list);
        for (String p : patterns) {
            Objects.requireNonNull(p, list + ": a pattern is null");
            if (p.isEmpty() || p.length() > MAX_PATTERN_LENGTH
                    || p.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new IllegalArgumentException(list + ": expected an agent name or a pattern with * (1 to "
                        + MAX_PATTERN_LENGTH + " characters, no whitespace) but was \"" + shorten(p) + "\"");
            }
        }
        return List.copyOf(patterns);
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
