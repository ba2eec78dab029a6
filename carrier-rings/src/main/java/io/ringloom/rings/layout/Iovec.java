package io.ringloom.rings.layout;

/**
 * {@code struct iovec} (include/uapi/linux/uio.h) on a 64-bit kernel, one
 * element of the array that {@code IORING_OP_READV} and {@code IORING_OP_WRITEV}
 * point at.
 * <pre>
 *   0 void *iov_base   8 size_t iov_len
 * </pre>
 * The request keeps the array and the buffers it names reachable until its
 * CQE: the kernel may read either until then.
 */
public final class Iovec {
    private Iovec() {}

    public static final long IOV_BASE_OFFSET = 0;
    public static final long IOV_LEN_OFFSET = 8;
    public static final long SIZE = 16;
    public static final long ALIGNMENT = 8;

    public static final Field[] FIELDS = {
        new Field("iov_base", IOV_BASE_OFFSET, 8),
        new Field("iov_len", IOV_LEN_OFFSET, 8),
    };
}
