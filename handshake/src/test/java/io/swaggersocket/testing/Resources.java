package io.swaggersocket.testing;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened, closed after it in reverse order: register with
 * {@code @RegisterExtension final Resources resources = new Resources();} and open with
 * {@code resources.track(...)}. Every resource is closed even when one fails; the first failure
 * is thrown with the others suppressed. Thread-safe.
 */
public final class Resources implements AfterEachCallback, AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** Returns {@code resource}, to be closed after the test. */
    public synchronized <T extends AutoCloseable> T track(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        close();
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> closing;
        synchronized (this) {
            closing = new ArrayList<>(open);
            open.clear();
        }
        Exception first = null;
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
