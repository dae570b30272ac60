package io.swaggersocket.cli;

/**
 * Where the server listens, from {@code --listen}: {@code PORT} and {@code :PORT} mean every
 * interface (0.0.0.0), {@code HOST:PORT} one of them, {@code [IPv6]:PORT} an IPv6 address.
 * Immutable.
 */
record HostPort(String host, int port) {
    /** The host that {@code PORT} and {@code :PORT} listen on. */
    static final String EVERY_INTERFACE = "0.0.0.0";

    /** @throws UsageException naming what is wrong with {@code listen} */
    static HostPort parse(String listen) throws UsageException {
        String value = listen.strip();
        String host;
        String port;
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            host = EVERY_INTERFACE;
            port = value;
        } else {
            host = colon == 0 ? EVERY_INTERFACE : value.substring(0, colon);
            port = value.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new UsageException("--listen: put an IPv6 address in brackets, as [::1]:8080");
            }
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 0 || number > 65535) {
            throw new UsageException("--listen: expected PORT, :PORT or HOST:PORT with a port in [0, 65535] but was \""
                    + listen + "\"");
        }
        if (host.isEmpty()) {
            throw new UsageException("--listen: expected a host before the colon in \"" + listen + "\"");
        }
        return new HostPort(host, number);
    }
}
