package io.ringloom.net;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelectionKey;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The selector {@link RingSelectorProvider} gives: the JDK's selector
 * underneath, with keys translated (docs/DESIGN.md, "Drop-in sockets"). A JDK
 * selector takes only the JDK's own channels, so a drop-in channel registers
 * the JDK channel under it ({@link DelegatingChannel}); the JDK's channels
 * (pipes, datagram channels) register themselves. Each registration is one
 * {@link Key} here and one JDK key there, whose attachment is the {@link Key}.
 *
 * <p>Selection: this selector's cancelled keys are cancelled in the JDK's
 * selector, the JDK's selector selects, and each JDK key it selected marks
 * its {@link Key} ready, with the JDK's rules for a key already in the
 * selected-key set (its ready set grows). Locks: a selection holds this
 * selector's monitor, then its selected-key set's, as {@code SelectorImpl} does.
 */
final class RingSelector extends AbstractSelector {
    /** The JDK's selector; its keys' attachments are this selector's keys. */
    private final Selector jdk;
    /** Registered keys; added by any registering thread, removed under the selection locks. */
    private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    /** The selected-key set; guarded by itself. */
    private final Set<SelectionKey> selected = new HashSet<>();
    /** What {@link #selectedKeys()} hands out: removals only, as the JDK's. */
    private final Set<SelectionKey> publicSelected = new AbstractSet<>() {
        @Override
        public Iterator<SelectionKey> iterator() {
            return selected.iterator();
        }

        @Override
        public int size() {
            return selected.size();
        }

        @Override
        public boolean contains(Object o) {
            return selected.contains(o);
        }

        @Override
        public boolean remove(Object o) {
            return selected.remove(o);
        }

        @Override
        public void clear() {
            selected.clear();
        }
    };

    RingSelector(SelectorProvider provider, Selector jdk) {
        super(provider);
        this.jdk = jdk;
    }

    /** One registration: this selector's key, and the JDK selector's key it stands for. */
    static final class Key extends AbstractSelectionKey {
        private final RingSelector selector;
        private final SelectableChannel channel;
        /** Set once, by {@link RingSelector#register}, before the key is returned. */
        private volatile SelectionKey jdkKey;
        /** The ready set; written by the selecting thread under the selected-key set's lock. */
        private volatile int readyOps;

        Key(RingSelector selector, SelectableChannel channel) {
            this.selector = selector;
            this.channel = channel;
        }

        @Override
        public SelectableChannel channel() {
            return channel;
        }

        @Override
        public Selector selector() {
            return selector;
        }

        private void ensureValid() {
            if (!isValid()) throw new CancelledKeyException();
        }

        @Override
        public int interestOps() {
            ensureValid();
            return jdkKey.interestOps();
        }

        @Override
        public SelectionKey interestOps(int ops) {
            ensureValid();
            if ((ops & ~channel.validOps()) != 0) throw new IllegalArgumentException("Invalid interest ops");
            jdkKey.interestOps(ops);
            return this;
        }

        @Override
        public int interestOpsOr(int ops) {
            ensureValid();
            if ((ops & ~channel.validOps()) != 0) throw new IllegalArgumentException("Invalid interest ops");
            return jdkKey.interestOpsOr(ops);
        }

        @Override
        public int interestOpsAnd(int ops) {
            ensureValid();
            return jdkKey.interestOpsAnd(ops);
        }

        @Override
        public int readyOps() {
            ensureValid();
            return readyOps;
        }
    }

    private void ensureOpen() {
        if (!isOpen()) throw new ClosedSelectorException();
    }

    /** Called by {@code AbstractSelectableChannel.register}, under the channel's registration locks. */
    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        ensureOpen();
        SelectableChannel under = ch instanceof DelegatingChannel d ? d.jdkChannel() : ch;
        Key k = new Key(this, ch);
        k.attach(att);
        try {
            k.jdkKey = under.register(jdk, ops, k);   // IllegalSelectorException for a channel the JDK cannot select
        } catch (java.nio.channels.ClosedChannelException e) {
            // the JDK channel is closing under a channel still open: its key is dead on arrival
            throw new CancelledKeyException();
        }
        keys.add(k);
        return k;
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return publicSelected;
    }

    @Override
    public int selectNow() throws IOException {
        return select(-1L, true);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) throw new IllegalArgumentException("Negative timeout");
        return select(timeout, false);
    }

    @Override
    public int select() throws IOException {
        return select(0L, false);
    }

    private int select(long timeout, boolean now) throws IOException {
        synchronized (this) {
            synchronized (publicSelected) {
                ensureOpen();
                dropCancelled();
                if (now) jdk.selectNow();
                else jdk.select(timeout);
                dropCancelled();
                int updated = 0;
                Set<SelectionKey> jdkSelected = jdk.selectedKeys();
                for (SelectionKey jk : jdkSelected) {
                    Key k = (Key) jk.attachment();
                    if (!k.isValid() || !jk.isValid()) continue;
                    int ready = jk.readyOps();
                    if (selected.add(k)) {
                        k.readyOps = ready;
                        updated++;
                    } else if ((k.readyOps | ready) != k.readyOps) {
                        k.readyOps |= ready;
                        updated++;
                    }
                }
                jdkSelected.clear();
                return updated;
            }
        }
    }

    /**
     * Cancels in the JDK's selector the keys cancelled here, and forgets them;
     * a JDK channel closed meanwhile is finished here if this was its last key
     * ({@link JdkChannels#killIfUnregistered}).
     */
    private void dropCancelled() throws IOException {
        assert Thread.holdsLock(this) && Thread.holdsLock(publicSelected);
        Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled) {
            for (SelectionKey sk : cancelled) {
                Key k = (Key) sk;
                if (k.jdkKey != null) k.jdkKey.cancel();
                keys.remove(k);
                selected.remove(k);
                deregister(k);
                finishClose(k);
            }
            cancelled.clear();
        }
    }

    /** A JDK channel's own key here was its last: finish a close that waited for it. A drop-in channel's fd is its own business. */
    private static void finishClose(Key k) throws IOException {
        if (!(k.channel instanceof DelegatingChannel)) JdkChannels.killIfUnregistered(k.channel);
    }

    @Override
    public Selector wakeup() {
        jdk.wakeup();
        return this;
    }

    @Override
    protected void implCloseSelector() throws IOException {
        jdk.wakeup();
        synchronized (this) {
            synchronized (publicSelected) {
                dropCancelled();
                List<SelectionKey> closing = List.copyOf(keys);
                for (SelectionKey sk : keys) {
                    Key k = (Key) sk;
                    if (k.jdkKey != null) k.jdkKey.cancel();
                    deregister(k);
                }
                keys.clear();
                selected.clear();
                jdk.close();   // deregisters the JDK keys, finishing closes that wait for none of ours
                for (SelectionKey sk : closing) finishClose((Key) sk);
            }
        }
    }
}
