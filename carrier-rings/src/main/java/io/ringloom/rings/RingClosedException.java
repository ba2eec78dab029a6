package io.ringloom.rings;

/** The ring was used after {@link Ring#close()}. */
public final class RingClosedException extends IllegalStateException {
    public RingClosedException() {
        super("io_uring ring is closed");
    }
}
