package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** wrk, the load generator of the ingress workloads (3 and 7): whether it is installed, one run, its figures. */
final class Wrk {
    private Wrk() {
    }

    static boolean hasWrk() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs wrk; returns {req/s, p50 us, p99 us, requests}. */
    static double[] wrk(String url, int seconds) throws Exception {
        return wrk(url, 64, seconds, null);
    }

    /** Runs wrk -t2 with {@code connections} and, if not null, one extra header; {req/s, p50, p99 (us), requests}. */
    static double[] wrk(String url, int connections, int seconds, String header) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency"));
        if (header != null) {
            cmd.add("-H");
            cmd.add(header);
        }
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher rps = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(output);
        Matcher requests = Pattern.compile("(\\d+) requests in").matcher(output);
        if (!rps.find() || !requests.find()) {
            throw new IOException("wrk printed no Requests/sec:\n" + output);
        }
        if (output.contains("Non-2xx")) {
            throw new IOException("wrk saw non-2xx answers:\n" + output);
        }
        if (output.contains("Socket errors")) {
            log("  wrk " + url + ": " + output.lines().filter(l -> l.contains("Socket errors")).findFirst().orElse(""));
        }
        return new double[] {Double.parseDouble(rps.group(1)), wrkLatency(output, "50%"), wrkLatency(output, "99%"),
            Double.parseDouble(requests.group(1))};
    }

    static double wrkLatency(String output, String pct) {
        Matcher m = Pattern.compile(Pattern.quote(pct) + "\\s+([\\d.]+)(us|ms|s)").matcher(output);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v;
            case "ms" -> v * 1000;
            default -> v * 1_000_000;
        };
    }
}
