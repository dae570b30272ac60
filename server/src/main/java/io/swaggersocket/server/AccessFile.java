package io.swaggersocket.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reads an access file into an {@link AccessPolicy}. Stateless. Two formats:
 *
 * <ul>
 * <li>YAML, when the first line that is neither blank nor a {@code #} comment is {@code ---} or
 *     starts with {@code principals:}:
 * <pre>
 * principals:
 *   - name: team-a
 *     tokens: ["a-token"]               # bearer tokens, or their digests:
 *     tokenSha256: ["9f86d081..."]      #   sha256sum of the token, 64 hex digits
 *     accessKeys:                       # for signed requests; the secret from one of:
 *       - {id: AKTEAMA, secretFile: team-a.secret}   # a file (relative to this one)
 *       - {id: AKTEAMA2, secretEnv: TEAM_A_SECRET}   # an environment variable
 *       - {id: AKTEAMA3, secret: "..."}              # or inline
 *     certificates: ["agent-a.example.com"]          # TLS client certificate subject CNs
 *     register: ["a-*"]                 # agent names it may connect
 *     call: ["a-*"]                     # agents it may call through the ingress
 *     admin: ["a-*"]                    # agents it may list, inspect, kick, watch (/events); "*" for all
 *     publish: ["a-*"]                  # agent names that may publish events through their tunnel (default none)
 * signatureWindowSeconds: 300           # optional
 * maxRememberedSignatures: 100000       # optional
 * </pre></li>
 * <li>otherwise a plain file of tokens, one a line ({@link BearerTokens#readFile}), meaning one
 *     principal with every grant ({@link AccessPolicy#fullAccess}).</li>
 * </ul>
 *
 * Every error names the file and, where it has one, the line; no message quotes a value that may
 * be secret (YAML parse errors give the problem and position, not the text).
 */
final class AccessFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)

            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The largest access file read: a policy, not a database. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private AccessFile() {
    }

    record Document(@JsonProperty(value = "principals", required = true) List<PrincipalEntry> principals,
            @JsonProperty("signatureWindowSeconds") Long signatureWindowSeconds,
            @JsonProperty("maxRememberedSignatures") Integer maxRememberedSignatures) {
    }

    record PrincipalEntry(@JsonProperty(value = "name", required = true) String name,
            @JsonProperty("tokens") List<String> tokens, @JsonProperty("tokenSha256") List<String> tokenSha256,
            @JsonProperty("accessKeys") List<AccessKeyEntry> accessKeys,
            @JsonProperty("certificates") List<String> certificates, @JsonProperty("register") List<String> register,
            @JsonProperty("call") List<String> call, @JsonProperty("admin") List<String> admin,
            @JsonProperty("publish") List<String> publish) {
        PrincipalEntry {
            tokens = orEmpty(tokens);
            tokenSha256 = orEmpty(tokenSha256);
            accessKeys = orEmpty(accessKeys);
            certificates = orEmpty(certificates);
            register = orEmpty(register);
            call = orEmpty(call);
            admin = orEmpty(admin);
            publish = orEmpty(publish);
        }
    }

    record AccessKeyEntry(@JsonProperty(value = "id", required = true) String id, @JsonProperty("secret") String secret,
            @JsonProperty("secretFile") String secretFile, @JsonProperty("secretEnv") String secretEnv) {
    }

    static AccessPolicy read(Path file) throws IOException {
        String text = text(file);
        if (!isYaml(text)) {
            List<String> tokens = BearerTokens.readFile(file);
            if (tokens.isEmpty()) {
                throw new IOException("access file " + file + " holds no token and no principals: list tokens one a"
                        + " line, or principals in YAML");
            }
            return AccessPolicy.fullAccess(tokens);
        }
        Document doc;
        Map<String, Integer> lines;
        try {
            lines = lines(text);
            doc = YAML.treeToValue(YAML.readTree(text), Document.class);
        } catch (JsonProcessingException e) {
            throw new IOException("access file " + file + " " + describe(e, lines(e, text)), e);
        }
        if (doc == null || doc.principals() == null || doc.principals().isEmpty()) {
            throw new IOException("access file " + file + ": expected at least one entry under principals: but"
                    + " there are none");
        }
        AccessPolicy.Builder b = AccessPolicy.builder();
        for (int i = 0; i < doc.principals().size(); i++) {
            PrincipalEntry p = doc.principals().get(i);
            String where = "access file " + file + " line " + lines.getOrDefault("/principals/" + i, 0)
                    + ": principal " + p.name();
            try {
                b.principal(p.name(), new Grants(p.register(), p.call(), p.admin(), p.publish()));
                p.tokens().forEach(t -> b.token(p.name(), t));
                p.tokenSha256().forEach(t -> b.tokenSha256(p.name(), t));
                for (AccessKeyEntry k : p.accessKeys()) {
                    b.accessKey(p.name(), k.id(), secret(file, where, k));
                }
                p.certificates().forEach(c -> b.certificate(p.name(), c));
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + withoutPrincipalPrefix(e.getMessage(), p.name()), e);
            }
        }
        try {
            if (doc.signatureWindowSeconds() != null) {
                b.signatureWindow(Duration.ofSeconds(doc.signatureWindowSeconds()));
            }
            if (doc.maxRememberedSignatures() != null) {
                b.maxRememberedSignatures(doc.maxRememberedSignatures());
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("access file " + file + ": " + e.getMessage(), e);
        }
        return b.build();
    }

    private static String text(Path file) throws IOException {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IOException("cannot read access file " + file + ": over " + MAX_BYTES + " bytes");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read access file " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read access file " + file + ": permission denied", e);
        } catch (MalformedInputException e) {
            throw new IOException("cannot read access file " + file + ": not UTF-8 text", e);
        }
    }

    static boolean isYaml(String text) {
        for (String line : text.split("\n", -1)) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            return s.equals("---") || s.startsWith("principals:");
        }
        return false;
    }

    private static String secret(Path file, String where, AccessKeyEntry k) throws IOException {
        int given = (k.secret() != null ? 1 : 0) + (k.secretFile() != null ? 1 : 0) + (k.secretEnv() != null ? 1 : 0);
        if (given != 1) {
            throw new IOException(where + ": access key " + k.id() + ": expected exactly one of secret, secretFile,"
                    + " secretEnv but " + (given == 0 ? "there is none" : given + " are given"));
        }
        if (k.secret() != null) {
            return k.secret();
        }
        if (k.secretEnv() != null) {
            String value = System.getenv(k.secretEnv());
            if (value == null || value.isBlank()) {
                throw new IOException(where + ": access key " + k.id() + ": environment variable " + k.secretEnv()
                        + " is not set");
            }
            return value.strip();
        }
        Path secretFile = file.toAbsolutePath().getParent().resolve(k.secretFile());
        try {
            String value = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
            if (value.isEmpty()) {
                throw new IOException(where + ": access key " + k.id() + ": secret file " + secretFile + " is empty");
            }
            return value;
        } catch (NoSuchFileException e) {
            throw new IOException(where + ": access key " + k.id() + ": cannot read secret file " + secretFile
                    + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException(where + ": access key " + k.id() + ": cannot read secret file " + secretFile
                    + ": permission denied", e);
        }
    }

    /**
     * The line of every field and array element in the document, by JSON pointer
     * ({@code /principals/0/register}): a tree bound to records keeps no positions, and Jackson's
     * own error positions point where parsing stopped, not at the field.
     */
    static Map<String, Integer> lines(String text) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        Deque<String> path = new ArrayDeque<>(); // one entry per open container: the pointer to it
        Deque<int[]> indexes = new ArrayDeque<>(); // per open container: next array index, or -1 in an object
        String field = null;
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                int line = p.currentTokenLocation().getLineNr();
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                    out.putIfAbsent(path.peek() + "/" + field, line);
                    continue;
                }
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    path.pop();
                    indexes.pop();
                    continue;
                }
                String here = null;
                if (!indexes.isEmpty()) {
                    int[] index = indexes.peek();
                    here = path.peek() + "/" + (index[0] >= 0 ? String.valueOf(index[0]++) : field);
                    out.putIfAbsent(here, line);
                }
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    path.push(here == null ? "" : here);
                    indexes.push(new int[] {t == JsonToken.START_ARRAY ? 0 : -1});
                }
            }
        }
        return out;
    }

    /** {@link #lines(String)}, or none when the text does not even parse (its error has a position). */
    private static Map<String, Integer> lines(JsonProcessingException e, String text) {
        try {
            return lines(text);
        } catch (IOException unparsable) {
            return Map.of();
        }
    }

    /** Where and what, without quoting the document: it may hold secrets. */
    private static String describe(JsonProcessingException e, Map<String, Integer> lines) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 0 ? "" : "line " + at.getLineNr() + " column " + at.getColumnNr();
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String pointer = pointer(m);
            while (!pointer.isEmpty() && !lines.containsKey(pointer)) {
                pointer = pointer.substring(0, pointer.lastIndexOf('/')); // a missing field: its object's line
            }
            if (lines.containsKey(pointer)) {
                where = "line " + lines.get(pointer);
            }
        }
        String what;
        if (e instanceof UnrecognizedPropertyException u) {
            StringJoiner known = new StringJoiner(", ");
            if (u.getKnownPropertyIds() != null) {
                u.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
            }
            what = "unknown field \"" + u.getPropertyName() + "\" (expected one of: " + known + ")";
        } else if (e instanceof JsonMappingException m) {
            Throwable root = rootCause(m);
            String path = path(m);
            if (root instanceof IllegalArgumentException && root.getMessage() != null) {
                what = (path.isEmpty() ? "" : path + ": ") + root.getMessage();
            } else if (m.getOriginalMessage() != null && m.getOriginalMessage().startsWith("Missing required creator property")) {
                what = "a required field is missing: " + m.getOriginalMessage().replaceAll(".*'([^']*)'.*", "$1");
            } else {
                what = (path.isEmpty() ? "" : "field " + path + ": ") + "expected another type of value (a list, a"
                        + " text or a number, as documented)";
            }
        } else {
            what = "is not valid YAML" + yamlProblem(e);
        }
        return (where.isEmpty() ? "" : where + ": ") + what;
    }

    private static String yamlProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException y && y.getProblem() != null) {
                return " (" + y.getProblem() + ")";
            }
        }
        return "";
    }

    private static String pointer(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            out.append('/').append(r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()));
        }
        return out.toString();
    }

    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                out.append(out.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String withoutPrincipalPrefix(String message, String name) {
        String prefix = "principal " + name + ": ";
        return message != null && message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }
}
