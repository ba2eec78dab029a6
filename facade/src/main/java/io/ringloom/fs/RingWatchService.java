package io.ringloom.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Watchable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's watch service, whose keys and events answer {@link RingPath}s:
 * {@code watchable()} is the path that was registered and an event's
 * context a path of {@link RingFileSystem}, so that {@code dir.resolve(event.context())}
 * works as it does on the JDK's own.
 */
final class RingWatchService implements WatchService {
    /** The file system whose paths the keys and events answer. */
    private final RingFileSystem fs;
    /** The JDK's watch service; paths are registered with it unwrapped. */
    private final WatchService jdk;
    /** Our key for each of the JDK's keys, so that take() answers the key that register() did. */
    private final ConcurrentHashMap<WatchKey, Key> keys = new ConcurrentHashMap<>();

    RingWatchService(RingFileSystem fs, WatchService jdk) {
        this.fs = fs;
        this.jdk = jdk;
    }

    WatchKey register(RingPath dir, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) throws IOException {
        WatchKey k = dir.jdk.register(jdk, events, modifiers);
        return keys.computeIfAbsent(k, jk -> new Key(dir, jk));
    }

    private WatchKey ours(WatchKey k) {
        return k == null ? null : keys.computeIfAbsent(k, jk -> new Key(fs.wrap((Path) jk.watchable()), jk));
    }

    @Override
    public WatchKey poll() {
        return ours(jdk.poll());
    }

    @Override
    public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
        return ours(jdk.poll(timeout, unit));
    }

    @Override
    public WatchKey take() throws InterruptedException {
        return ours(jdk.take());
    }

    @Override
    public void close() throws IOException {
        jdk.close();
        keys.clear();
    }

    private final class Key implements WatchKey {
        /** The path registered: what watchable() answers. */
        private final RingPath dir;
        /** The JDK's key this one stands for. */
        private final WatchKey jdkKey;

        Key(RingPath dir, WatchKey jdkKey) {
            this.dir = dir;
            this.jdkKey = jdkKey;
        }

        @Override
        public boolean isValid() {
            return jdkKey.isValid();
        }

        @Override
        public List<WatchEvent<?>> pollEvents() {
            List<WatchEvent<?>> events = new ArrayList<>();
            for (WatchEvent<?> e : jdkKey.pollEvents()) {
                events.add(e.context() instanceof Path p ? new Event<>(e, fs.wrap(p)) : e);
            }
            return events;
        }

        @Override
        public boolean reset() {
            return jdkKey.reset();
        }

        @Override
        public void cancel() {
            jdkKey.cancel();
            keys.remove(jdkKey, this);
        }

        @Override
        public Watchable watchable() {
            return dir;
        }
    }

    /** A JDK event with its context path wrapped. */
    private record Event<T>(WatchEvent<T> jdkEvent, Path context) implements WatchEvent<Object> {
        @Override
        @SuppressWarnings("unchecked")
        public Kind<Object> kind() {
            return (Kind<Object>) jdkEvent.kind();
        }

        @Override
        public int count() {
            return jdkEvent.count();
        }
    }
}
