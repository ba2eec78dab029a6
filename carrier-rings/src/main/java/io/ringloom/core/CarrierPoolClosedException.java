package io.ringloom.core;

import java.io.IOException;

/** The carrier pool closed while the operation was blocked; the operation was cancelled. */
public final class CarrierPoolClosedException extends IOException {
    public CarrierPoolClosedException(String message) {
        super(message);
    }
}
