package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ExecutionContext;
import com.networknt.schema.SchemaContext;
import com.networknt.schema.format.Format;
import java.math.BigDecimal;
import java.util.List;

/**
 * The OpenAPI formats {@code int32} and {@code int64} as range checks on integers, which
 * networknt's dialects leave unchecked. Other values (non-integers are the {@code type}
 * keyword's business) pass. Stateless.
 */
final class IntegerFormat implements Format {
    static final List<Format> BOTH = List.of(
            new IntegerFormat("int32", Integer.MIN_VALUE, Integer.MAX_VALUE),
            new IntegerFormat("int64", Long.MIN_VALUE, Long.MAX_VALUE));

    private final String name;
    private final BigDecimal min;
    private final BigDecimal max;

    private IntegerFormat(String name, long min, long max) {
        this.name = name;
        this.min = BigDecimal.valueOf(min);
        this.max = BigDecimal.valueOf(max);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean matches(ExecutionContext executionContext, SchemaContext schemaContext, JsonNode value) {
        if (!JsonType.isIntegral(value)) {
            return true;
        }
        // compared as decimals: never expand a huge exponent (1e999999999) into a BigInteger
        BigDecimal n = value.decimalValue();
        return n.compareTo(min) >= 0 && n.compareTo(max) <= 0;
    }
}
