package io.swaggersocket.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.impl.EnglishReasonPhraseCatalog;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

/** RFC 7807 problem responses. Uses its own plain mapper so the user's mapper settings never change them. */
final class Problems {
    static final ContentType PROBLEM_JSON = ContentType.create("application/problem+json");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Problems() {
    }

    static void write(ClassicHttpResponse response, Rejection rejection) {
        ObjectNode problem = MAPPER.createObjectNode();
        problem.put("type", "about:blank");
        problem.put("title", title(rejection.status));
        problem.put("status", rejection.status);
        problem.put("detail", rejection.detail());
        if (rejection.parameter != null) {
            problem.put("parameter", rejection.parameter);
            problem.put("in", rejection.in);
        }
        if (rejection.pointer != null) {
            problem.put("pointer", rejection.pointer);
        }
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree of strings and ints always serialises
        }
        response.setCode(rejection.status);
        if (rejection.allow != null) {
            response.setHeader(HttpHeaders.ALLOW, rejection.allow);
        }
        response.setEntity(new ByteArrayEntity(bytes, PROBLEM_JSON));
    }

    static String title(int status) {
        String reason = EnglishReasonPhraseCatalog.INSTANCE.getReason(status, Locale.ENGLISH);
        return reason != null ? reason : "Error";
    }
}
