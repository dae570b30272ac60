package io.swaggersocket.openapi;

import java.util.Map;
import java.util.TreeSet;

/** A path template and what each method runs there. Immutable. */
final class Route {
    final PathTemplate template;
    private final Map<String, Target> byMethod;
    /** The Allow header: declared methods, plus HEAD where GET is, upper case, sorted. */
    final String allow;

    Route(PathTemplate template, Map<String, Target> byMethod) {
        this.template = template;
        this.byMethod = Map.copyOf(byMethod);
        TreeSet<String> methods = new TreeSet<>(byMethod.keySet());
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        this.allow = String.join(", ", methods);
    }

    /** The target for an upper-case method; HEAD falls back to GET. */
    Target target(String method) {
        Target target = byMethod.get(method);
        if (target == null && method.equals("HEAD")) {
            target = byMethod.get("GET");
        }
        return target;
    }
}
