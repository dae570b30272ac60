package io.swaggersocket.bench;

import static io.swaggersocket.bench.Table.row;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end-to-end harness: this JVM runs the {@link io.swaggersocket.server.SocketServer} (default
 * config) and every caller; a second JVM ({@link AgentMain}) serves the same {@link BenchHandler} directly on Undertow and
 * through the tunnel; a third ({@link IdleAgents}) opens the idle connections of workload 6. Each
 * workload runs its direct baseline and its tunnel variant alternately, {@code repeats} times, and
 * the table shows medians, the ratio and the spread across repeats.
 *
 * <p>Args: {@code [--quick] [--only 1,2,...] [--jmh-csv FILE] [--out FILE] [--nginx URL --nginx-proxy URL
 * --nginx-pid FILE] [--cli-jar JAR] [--cds-archive FILE]}. System properties, for profiling and experiments only:
 * {@code bench.agentJvmOpts} and {@code bench.idleJvmOpts} add JVM options to the child JVMs (a JFR recording); {@code bench.tunnelOnly=true} skips the direct
 * variants of workloads 1 and 2; {@code bench.bulk=up|down} runs one direction of workload 4;
 * {@code bench.streamWindow}, {@code bench.connectionWindow}, {@code bench.maxFrameSize} replace the
 * default settings on both ends ({@link ExperimentConfig}; the table then says so).
 *
 * <p>Workload 7 runs the product as users run it: {@code swaggersocket server} and
 * {@code swaggersocket agent --forward} from {@code --cli-jar}, each in its own JVM, in front of the
 * nginx that run.sh started ({@code --nginx URL --nginx-pid FILE}), and measures that nginx's proxy to
 * itself ({@code --nginx-proxy URL}) as the reference of one extra hop; {@code bench.serverJvmOpts} adds
 * JVM options to that server JVM, {@code bench.agentJvmOpts} to its agent JVM; it is
 * {@link NginxIngressWorkload}. Workload 8 ({@link StartupWorkload}) starts the same two commands
 * from nothing, with and without the jar's class-data-sharing archive ({@code --cds-archive FILE},
 * by default {@code swaggersocket.jsa} beside the jar), and times the first call and the warm-up.
 *
 * <p>Each workload is a class of its own; this one reads the options, runs the selected workloads
 * and prints the table (the target column says, from the measured figures, whether each of issue
 * 11's targets is met).
 */
public final class Bench {
    private boolean quick;
    private String only = "1,2,3,4,5,6,7,8";
    private String nginxUrl;
    private String nginxProxyUrl;
    private Path nginxPid;
    private Path cliJar;
    private Path cdsArchive;
    private Path jmhCsv;
    private Path out;

    private final List<String[]> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private Settings settings;
    private final Rig rig = new Rig(notes);
    /** Workloads 7 and 8, made once the options are read; their child processes are stopped by {@link #stop}. */
    private NginxIngressWorkload nginx;
    private StartupWorkload startup;
    /** The 1-minute load average as each workload started (this run's own JVMs count in it too). */
    private final StringBuilder loads = new StringBuilder();

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Bench b = new Bench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> b.quick = true;
                case "--only" -> b.only = args[++i];
                case "--jmh-csv" -> b.jmhCsv = Path.of(args[++i]);
                case "--out" -> b.out = Path.of(args[++i]);
                case "--nginx" -> b.nginxUrl = args[++i];
                case "--nginx-proxy" -> b.nginxProxyUrl = args[++i];
                case "--nginx-pid" -> b.nginxPid = Path.of(args[++i]);
                case "--cli-jar" -> b.cliJar = Path.of(args[++i]);
                case "--cds-archive" -> b.cdsArchive = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        b.settings = Settings.of(b.quick, b.rows, b.notes);
        Settings s = b.settings;
        b.nginx = new NginxIngressWorkload(b.quick, s.repeats(), b.nginxUrl, b.nginxProxyUrl, b.nginxPid, b.cliJar,
                b.rows, b.notes, s::waitForQuiet);
        b.startup = new StartupWorkload(s, b.cliJar, b.cdsArchive);
        NginxIngressWorkload nginx = b.nginx;
        StartupWorkload startup = b.startup;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            nginx.destroyChildren();
            startup.destroyChildren();
        }));
        try {
            b.run();
        } finally {
            b.stop();
        }
        System.exit(0);
    }

    private boolean selected(int workload) {
        return ("," + only + ",").contains("," + workload + ",");
    }

    private boolean runs(int workload) {
        boolean runs = selected(workload);
        if (runs) {
            loads.append(String.format(Locale.ROOT, " W%d %.2f", workload, load()));
        }
        return runs;
    }

    private void run() throws Exception {
        notes.add(String.format(Locale.ROOT, "1-minute load average at the start: %.2f (nproc %d)", load(),
                Runtime.getRuntime().availableProcessors()));
        boolean library = false;
        for (int w = 1; w <= 6; w++) {
            library |= selected(w);
        }
        if (library) { // workloads 7 and 8 start their own server and agent JVMs
            rig.start();
            log("agent up: direct port " + rig.directPort() + ", tunnel " + rig.tunnel().id() + ", ingress: "
                    + rig.ingressStatus());
        }
        Callers callers = new Callers(rig, settings);
        if (runs(1)) {
            new SequentialWorkload(callers).run();
        }
        if (runs(2)) {
            new ConcurrentWorkload(callers).run();
        }
        if (runs(3)) {
            new IngressWorkload(rig, settings).run();
        }
        if (runs(4)) {
            new BulkWorkload(rig, settings).run();
        }
        if (runs(5)) {
            new HeadOfLineWorkload(rig, callers, settings).run();
        }
        if (runs(6)) {
            new IdleWorkload(rig, settings).run();
        }
        if (runs(7)) {
            nginx.run();
        }
        if (runs(8)) {
            startup.run();
        }
        micro();
        printTable();
    }

    private void stop() {
        nginx.stop();
        startup.stop();
        rig.stop();
    }

    // ---------------------------------------------------------------------------------------------
    // JMH results and the table

    private void micro() throws IOException {
        if (jmhCsv == null || !Files.exists(jmhCsv)) {
            return;
        }
        List<String> lines = Files.readAllLines(jmhCsv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            if (f.length < 7) {
                continue;
            }
            String name = unquote(f[0]).replace("io.swaggersocket.", "");
            double score = Double.parseDouble(unquote(f[4]));
            String error = unquote(f[5]);
            String unit = unquote(f[6]);
            rows.add(row("micro", "JMH " + name + " (" + unquote(f[1]) + ")", "",
                    String.format(Locale.ROOT, "%.3f %s", score, unit), "", "",
                    error.equals("NaN") ? "" : String.format(Locale.ROOT, "+- %.3f", Double.parseDouble(error))));
        }
    }

    private static String unquote(String s) {
        return s.replace("\"", "").trim();
    }

    private void printTable() throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("| # | workload | direct | tunnel | ratio | target | noise (spread across repeats, direct / tunnel) |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (String[] r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        sb.append('\n').append(String.format(Locale.ROOT,
                "%s run: %d repeats (medians shown), %.1f s warm-up + %.1f s measured per trial; spread = (max-min)/median.%n",
                quick ? "quick" : "full", settings.repeats(), settings.warmSeconds(), settings.measureSeconds()));
        if (!rig.ingressStatus().equals("not tried")) { // workloads 1-6 only: workload 7 runs the server command
            sb.append("Ingress: ").append(rig.ingressStatus()).append('\n');
        }
        sb.append("1-minute load average as each workload started (includes this run's own JVMs):")
                .append(loads).append('\n');
        for (String n : notes) {
            sb.append(n).append('\n');
        }
        System.out.println();
        System.out.print(sb);
        if (out != null) {
            Files.writeString(out, sb.toString());
        }
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static void log(String message) {
        System.err.println("[bench] " + message);
    }
}
