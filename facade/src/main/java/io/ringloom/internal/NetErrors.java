package io.ringloom.internal;

import java.io.IOException;

/** @deprecated every errno rule is in {@link Errors}; this delegate goes once the sockets call it directly. */
@Deprecated
public final class NetErrors {
    private NetErrors() {}

    public static IOException of(int errno, String call) {
        return Errors.forSocket(errno, call);
    }
}
