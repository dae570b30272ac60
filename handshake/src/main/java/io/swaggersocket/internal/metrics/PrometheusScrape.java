package io.swaggersocket.internal.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A scrape of a {@link PrometheusMeterRegistry} in the Prometheus text format 0.0.4, whole or
 * cut down to some series. Thread-safe (stateless). The text is written by the Prometheus
 * client's own writer; nothing here formats a sample.
 */
public final class PrometheusScrape {
    /** The content type of the text written: {@code text/plain; version=0.0.4; charset=utf-8}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private PrometheusScrape() {
    }

    /** Every series of {@code registry}. */
    public static byte[] all(PrometheusMeterRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            registry.scrape(out, CONTENT_TYPE);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Only the series of the metrics whose Prometheus names (without {@code _total}) {@code names}
     * accepts, and of those only the samples whose {@code label} value {@code values} accepts (a
     * sample without that label is left out). Only gauges and counters are cut this way; a
     * metric of another type among the names is left out whole, so that a filter meant to hide
     * series can never let one through.
     */
    public static byte[] only(PrometheusMeterRegistry registry, Predicate<String> names, String label,
            Predicate<String> values) {
        MetricSnapshots all = registry.getPrometheusRegistry().scrape(names);
        List<MetricSnapshot> kept = new ArrayList<>(all.size());
        for (MetricSnapshot s : all) {
            if (s instanceof GaugeSnapshot g) {
                kept.add(new GaugeSnapshot(g.getMetadata(), filter(g.getDataPoints(), label, values)));
            } else if (s instanceof CounterSnapshot c) {
                kept.add(new CounterSnapshot(c.getMetadata(), filter(c.getDataPoints(), label, values)));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            WRITER.write(out, new MetricSnapshots(kept), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static <P extends DataPointSnapshot> List<P> filter(List<P> points, String label, Predicate<String> values) {
        List<P> kept = new ArrayList<>(points.size());
        for (P p : points) {
            String v = p.getLabels().get(label);
            if (v != null && values.test(v)) {
                kept.add(p);
            }
        }
        return kept;
    }
}
