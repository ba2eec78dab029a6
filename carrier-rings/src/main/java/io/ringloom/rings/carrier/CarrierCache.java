package io.ringloom.rings.carrier;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A few reusable objects kept per carrier thread, for pools whose objects a
 * virtual thread takes and gives back many times a second: staging memory for a
 * socket read or write is taken before its SQE and given back after its CQE
 * (docs/DESIGN.md, "Buffers and staging"). Each carrier's stack is touched only
 * by code running on that carrier, one virtual thread at a time, and neither
 * method parks, so no atomic operation is needed: a shared lock-free queue cost
 * two to four compare-and-sets and a node per use, about 2% of a pinned HTTP
 * server's CPU. An object taken on one carrier may be given back on another
 * (its thread moved); a carrier's stack holds at most {@code capacity}, and what
 * does not fit goes back to the caller's shared pool, as does what a carrier
 * holds when it ends. Every cache takes a slot in every carrier's table for good:
 * make them static singletons.
 *
 * @param <T> what is kept; never null
 */
public final class CarrierCache<T> {
    private static final AtomicInteger NEXT_INDEX = new AtomicInteger();

    private final int index = NEXT_INDEX.getAndIncrement();
    private final int capacity;
    private final Consumer<? super T> onCarrierEnd;

    /**
     * A cache holding up to {@code capacity} objects on each carrier; what a carrier
     * holds when it ends goes to {@code onCarrierEnd}, on that carrier's thread.
     */
    public CarrierCache(int capacity, Consumer<? super T> onCarrierEnd) {
        if (capacity < 1) throw new IllegalArgumentException("capacity " + capacity);
        this.capacity = capacity;
        this.onCarrierEnd = java.util.Objects.requireNonNull(onCarrierEnd, "onCarrierEnd");
    }

    /** An object this carrier holds, or null: none held, or the caller runs on no carrier. */
    @SuppressWarnings("unchecked")
    public T poll() {
        Stack s = stack(false);
        if (s == null || s.size == 0) return null;
        Object o = s.items[--s.size];
        s.items[s.size] = null;
        return (T) o;
    }

    /**
     * Keeps {@code value} on the caller's carrier; false when the caller runs on
     * no carrier or this carrier holds {@code capacity} already: the caller keeps it.
     */
    public boolean offer(T value) {
        if (value == null) throw new NullPointerException("value");
        Stack s = stack(true);
        if (s == null || s.size == capacity) return false;
        s.items[s.size++] = value;
        return true;
    }

    /** The current carrier's stack for this cache (made when {@code create}), or null off the carriers. */
    private Stack stack(boolean create) {
        if (!(Loom.currentCarrierThread() instanceof CarrierThread ct)) return null;
        Stack[] stacks = ct.caches;
        if (index >= stacks.length) {
            if (!create) return null;
            ct.caches = stacks = Arrays.copyOf(stacks, index + 1);
        }
        Stack s = stacks[index];
        if (s == null && create) stacks[index] = s = new Stack(this);
        return s;
    }

    /** The carrier of {@code ct} ends: every cache's objects there go to its {@code onCarrierEnd}. On {@code ct}. */
    static void carrierEnded(CarrierThread ct) {
        Stack[] stacks = ct.caches;
        ct.caches = new Stack[0];
        RuntimeException failed = null;
        for (Stack s : stacks) {
            if (s == null) continue;
            try {
                s.drain();
            } catch (RuntimeException e) {
                if (failed == null) failed = e; else failed.addSuppressed(e);
            }
        }
        if (failed != null) throw failed;
    }

    /** One carrier's objects for one cache; that carrier's thread only. */
    static final class Stack {
        private final CarrierCache<?> cache;
        final Object[] items;
        int size;

        Stack(CarrierCache<?> cache) {
            this.cache = cache;
            this.items = new Object[cache.capacity];
        }

        @SuppressWarnings("unchecked")
        private void drain() {
            Consumer<Object> to = (Consumer<Object>) cache.onCarrierEnd;
            while (size > 0) {
                Object o = items[--size];
                items[size] = null;
                to.accept(o);
            }
        }
    }
}
