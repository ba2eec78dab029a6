package io.ringloom.rings.sys;

/**
 * Kernel constants of io_uring, named as in {@code include/uapi/linux/io_uring.h}
 * with the kernel release that introduced each where it matters to us.
 */
public final class IoUring {
    private IoUring() {}

    // syscall numbers, x86-64 (arch/x86/entry/syscalls/syscall_64.tbl)
    public static final long SYS_IO_URING_SETUP = 425;
    public static final long SYS_IO_URING_ENTER = 426;
    public static final long SYS_IO_URING_REGISTER = 427;

    // io_uring_params.flags (IORING_SETUP_*)
    public static final int IORING_SETUP_IOPOLL = 1;
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;        // 5.18
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;      // 5.19
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;      // 5.19
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;    // 6.0
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;    // 6.1
    public static final int IORING_SETUP_NO_MMAP = 1 << 14;
    public static final int IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;       // 6.6

    private static final String[] SETUP_FLAG_NAMES = {
        "IOPOLL", "SQPOLL", "SQ_AFF", "CQSIZE", "CLAMP", "ATTACH_WQ", "R_DISABLED", "SUBMIT_ALL",
        "COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32", "SINGLE_ISSUER", "DEFER_TASKRUN",
        "NO_MMAP", "REGISTERED_FD_ONLY", "NO_SQARRAY", "HYBRID_IOPOLL",
    };

    // io_uring_params.features (IORING_FEAT_*)
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    public static final int IORING_FEAT_NODROP = 1 << 1;
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    public static final int IORING_FEAT_REG_REG_RING = 1 << 13;

    private static final String[] FEATURE_NAMES = {
        "SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL",
        "POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP",
        "LINKED_FILE", "REG_REG_RING", "RECVSEND_BUNDLE", "MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT",
    };

    // mmap offsets of the three regions
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // sq_flags, written by the kernel (IORING_SQ_*)
    public static final int IORING_SQ_NEED_WAKEUP = 1;
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // io_uring_enter flags (IORING_ENTER_*)
    public static final int IORING_ENTER_GETEVENTS = 1;
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;
    public static final int IORING_ENTER_REGISTERED_RING = 1 << 4;

    // sqe.flags (IOSQE_*)
    public static final byte IOSQE_FIXED_FILE = 1;
    public static final byte IOSQE_IO_DRAIN = 1 << 1;
    public static final byte IOSQE_IO_LINK = 1 << 2;
    public static final byte IOSQE_IO_HARDLINK = 1 << 3;
    public static final byte IOSQE_ASYNC = 1 << 4;

    // cqe.flags (IORING_CQE_F_*)
    public static final int IORING_CQE_F_BUFFER = 1;
    public static final int IORING_CQE_F_MORE = 1 << 1;

    // sqe.cancel_flags (IORING_ASYNC_CANCEL_*)
    public static final int IORING_ASYNC_CANCEL_ALL = 1;
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;

    // opcodes, enum io_uring_op in order
    public static final byte IORING_OP_NOP = 0;
    public static final byte IORING_OP_READV = 1;
    public static final byte IORING_OP_WRITEV = 2;
    public static final byte IORING_OP_FSYNC = 3;
    public static final byte IORING_OP_READ_FIXED = 4;
    public static final byte IORING_OP_WRITE_FIXED = 5;
    public static final byte IORING_OP_POLL_ADD = 6;
    public static final byte IORING_OP_POLL_REMOVE = 7;
    public static final byte IORING_OP_SYNC_FILE_RANGE = 8;
    public static final byte IORING_OP_SENDMSG = 9;
    public static final byte IORING_OP_RECVMSG = 10;
    public static final byte IORING_OP_TIMEOUT = 11;
    public static final byte IORING_OP_TIMEOUT_REMOVE = 12;
    public static final byte IORING_OP_ACCEPT = 13;
    public static final byte IORING_OP_ASYNC_CANCEL = 14;
    public static final byte IORING_OP_LINK_TIMEOUT = 15;
    public static final byte IORING_OP_CONNECT = 16;
    public static final byte IORING_OP_FALLOCATE = 17;
    public static final byte IORING_OP_OPENAT = 18;
    public static final byte IORING_OP_CLOSE = 19;
    public static final byte IORING_OP_FILES_UPDATE = 20;
    public static final byte IORING_OP_STATX = 21;
    public static final byte IORING_OP_READ = 22;
    public static final byte IORING_OP_WRITE = 23;
    public static final byte IORING_OP_FADVISE = 24;
    public static final byte IORING_OP_MADVISE = 25;
    public static final byte IORING_OP_SEND = 26;
    public static final byte IORING_OP_RECV = 27;
    public static final byte IORING_OP_OPENAT2 = 28;
    public static final byte IORING_OP_EPOLL_CTL = 29;
    public static final byte IORING_OP_SPLICE = 30;
    public static final byte IORING_OP_PROVIDE_BUFFERS = 31;
    public static final byte IORING_OP_REMOVE_BUFFERS = 32;
    public static final byte IORING_OP_TEE = 33;
    public static final byte IORING_OP_SHUTDOWN = 34;
    public static final byte IORING_OP_RENAMEAT = 35;
    public static final byte IORING_OP_UNLINKAT = 36;
    public static final byte IORING_OP_MKDIRAT = 37;
    public static final byte IORING_OP_SYMLINKAT = 38;
    public static final byte IORING_OP_LINKAT = 39;
    public static final byte IORING_OP_MSG_RING = 40;       // 5.18
    public static final byte IORING_OP_SOCKET = 45;         // 5.19
    public static final byte IORING_OP_FTRUNCATE = 55;      // 6.9
    public static final byte IORING_OP_BIND = 56;           // 6.11
    public static final byte IORING_OP_LISTEN = 57;         // 6.11

    private static final String[] OP_NAMES = {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
        "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT",
        "ASYNC_CANCEL", "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE",
        "STATX", "READ", "WRITE", "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL",
        "SPLICE", "PROVIDE_BUFFERS", "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT",
        "MKDIRAT", "SYMLINKAT", "LINKAT", "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR",
        "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC", "SENDMSG_ZC", "READ_MULTISHOT", "WAITID",
        "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV", "FIXED_FD_INSTALL", "FTRUNCATE", "BIND",
        "LISTEN", "RECV_ZC", "EPOLL_WAIT", "READV_FIXED", "WRITEV_FIXED", "PIPE", "NOP128",
        "URING_CMD128",
    };

    // io_uring_register opcodes (IORING_REGISTER_*)
    public static final int IORING_REGISTER_EVENTFD = 4;
    public static final int IORING_UNREGISTER_EVENTFD = 5;
    public static final int IORING_REGISTER_PROBE = 8;
    public static final int IORING_REGISTER_RING_FDS = 20;          // 5.18
    public static final int IORING_UNREGISTER_RING_FDS = 21;

    // io_uring_probe_op.flags
    public static final int IO_URING_OP_SUPPORTED = 1;

    // MSG_RING command in sqe.addr (IORING_MSG_DATA)
    public static final long IORING_MSG_DATA = 0;

    /** The opcode's kernel name without the {@code IORING_OP_} prefix. */
    public static String opName(int opcode) {
        return opcode >= 0 && opcode < OP_NAMES.length ? OP_NAMES[opcode] : "OP_" + opcode;
    }

    /** The names of the set bits of an {@code IORING_SETUP_*} mask, separated by spaces. */
    public static String setupFlagNames(int flags) {
        return bitNames(flags, SETUP_FLAG_NAMES);
    }

    /** The names of the set bits of an {@code IORING_FEAT_*} mask, separated by spaces. */
    public static String featureNames(int features) {
        return bitNames(features, FEATURE_NAMES);
    }

    private static String bitNames(int mask, String[] names) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < 32; bit++) {
            if ((mask & (1 << bit)) != 0) {
                if (!sb.isEmpty()) sb.append(' ');
                sb.append(bit < names.length ? names[bit] : "BIT_" + bit);
            }
        }
        return sb.toString();
    }
}
