package io.ringloom.rings;

import io.ringloom.core.RingMode;
import io.ringloom.rings.layout.CqRingOffsets;
import io.ringloom.rings.layout.Cqe;
import io.ringloom.rings.layout.IoUringParams;
import io.ringloom.rings.layout.KernelTimespec;
import io.ringloom.rings.layout.ProbeLayout;
import io.ringloom.rings.layout.SqRingOffsets;
import io.ringloom.rings.layout.Sqe;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.ringloom.rings.sys.IoUring.*;

/**
 * One io_uring instance: setup with an EINVAL ladder, the three mappings, the
 * probe, submission and reaping.
 *
 * <p>Threading: a ring belongs to the platform thread that created it (its
 * owner). Only code running on the owner's OS thread (the owner, or a virtual
 * thread mounted on it) may push, submit, reap or use the registered ring fd;
 * {@code SINGLE_ISSUER} makes the kernel refuse other submitters with EEXIST.
 * Other threads may only {@link #enterAsGuest enter as a guest}.
 */
public final class Ring implements AutoCloseable {
    /** Flags that Ringloom asks for in every mode and drops, newest first, on EINVAL. */
    private static final int[] LADDER = {
        IORING_SETUP_NO_SQARRAY, IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, IORING_SETUP_SUBMIT_ALL, IORING_SETUP_CLAMP,
    };
    private static final long RSRC_UPDATE_SIZE = 16;     // struct io_uring_rsrc_update
    private static final long GETEVENTS_ARG_SIZE = 24;   // struct io_uring_getevents_arg

    private final SysCalls sys;
    private final Arena arena;                 // params, probe and ext-arg memory; closed with the ring
    private final int ringFd;
    private final int requestedFlags;
    private final int setupFlags;              // as written back by the kernel
    private final int features;
    private final RingMode mode;
    private final MemorySegment sqMapping;
    private final MemorySegment cqMapping;     // same as sqMapping with IORING_FEAT_SINGLE_MMAP
    private final MemorySegment sqeMapping;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final Probe probe;
    private final Thread owner;                // the creating platform thread
    private final MemorySegment waitArg;       // io_uring_getevents_arg + timespec, owner only
    private int enterFd;                       // the registered index when registered, else ringFd
    private int enterFlags;                    // IORING_ENTER_REGISTERED_RING when registered
    private long inFlight;                     // requests pushed whose final CQE is not reaped; owner only
    private boolean closed;                    // owner only

    private Ring(SysCalls sys, Arena arena, int ringFd, int requestedFlags, RingMode mode, MemorySegment params,
                 MemorySegment sqMapping, MemorySegment cqMapping, MemorySegment sqeMapping) {
        this.sys = sys;
        this.arena = arena;
        this.ringFd = ringFd;
        this.requestedFlags = requestedFlags;
        this.mode = mode;
        this.setupFlags = params.get(ValueLayout.JAVA_INT, IoUringParams.FLAGS_OFFSET);
        this.features = params.get(ValueLayout.JAVA_INT, IoUringParams.FEATURES_OFFSET);
        this.sqMapping = sqMapping;
        this.cqMapping = cqMapping;
        this.sqeMapping = sqeMapping;
        this.sq = new SubmissionQueue(sqMapping, sqeMapping, params, (setupFlags & IORING_SETUP_NO_SQARRAY) == 0);
        this.cq = new CompletionQueue(cqMapping, params);
        this.owner = Thread.currentThread();
        this.enterFd = ringFd;
        this.waitArg = arena.allocate(GETEVENTS_ARG_SIZE + KernelTimespec.SIZE, 8);
        this.probe = readProbe();
    }

    /** Creates a ring of {@code entries} SQEs in {@code mode}, with the kernel's default CQ size. */
    public static Ring open(int entries, RingMode mode) throws IOException {
        return open(entries, 0, mode);
    }

    /**
     * Creates a ring on the calling thread, which becomes its owner.
     *
     * @param cqEntries CQ size, or 0 for the kernel's default (twice the SQ)
     * @throws RingUnavailableException when io_uring cannot be used here
     */
    public static Ring open(int entries, int cqEntries, RingMode mode) throws IOException {
        if (entries <= 0) {
            throw new IllegalArgumentException("ring entries must be positive: " + entries);
        }
        SysCalls sys = SysCalls.get();
        int wanted = IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_NO_SQARRAY;
        wanted |= switch (mode) {
            case COOP -> IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
            case DEFER -> IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
            case NONE -> 0;
        };
        if (cqEntries > 0) {
            wanted |= IORING_SETUP_CQSIZE;
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment params = arena.allocate(IoUringParams.SIZE, 8);
            int flags = wanted;
            int fd;
            int step = 0;
            while (true) {
                params.fill((byte) 0);
                params.set(ValueLayout.JAVA_INT, IoUringParams.FLAGS_OFFSET, flags);
                params.set(ValueLayout.JAVA_INT, IoUringParams.CQ_ENTRIES_OFFSET, cqEntries);
                fd = sys.ioUringSetup(entries, params.address());
                if (fd >= 0) break;
                if (fd != -Errno.EINVAL || step == LADDER.length) {
                    throw new RingUnavailableException(-fd);
                }
                // DEFER_TASKRUN without SINGLE_ISSUER is itself EINVAL: they go together
                int drop = LADDER[step++];
                if (drop == IORING_SETUP_SINGLE_ISSUER) drop |= IORING_SETUP_DEFER_TASKRUN;
                flags &= ~drop;
                if ((flags & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_DEFER_TASKRUN)) == 0) {
                    flags &= ~IORING_SETUP_TASKRUN_FLAG;
                }
            }
            return map(sys, arena, fd, wanted, mode, params);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    private static Ring map(SysCalls sys, Arena arena, int fd, int wanted, RingMode mode, MemorySegment params)
            throws IOException {
        int sqEntries = params.get(ValueLayout.JAVA_INT, IoUringParams.SQ_ENTRIES_OFFSET);
        int cqEntries = params.get(ValueLayout.JAVA_INT, IoUringParams.CQ_ENTRIES_OFFSET);
        int features = params.get(ValueLayout.JAVA_INT, IoUringParams.FEATURES_OFFSET);
        int flags = params.get(ValueLayout.JAVA_INT, IoUringParams.FLAGS_OFFSET);
        long sqArray = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT,
                IoUringParams.SQ_OFF_OFFSET + SqRingOffsets.ARRAY_OFFSET));
        long cqes = Integer.toUnsignedLong(params.get(ValueLayout.JAVA_INT,
                IoUringParams.CQ_OFF_OFFSET + CqRingOffsets.CQES_OFFSET));
        // Sizes as io_uring_setup(2) describes them: the SQ ring ends after its
        // index array (absent with NO_SQARRAY), the CQ ring after its CQEs.
        long sqSize = ((flags & IORING_SETUP_NO_SQARRAY) != 0 ? 0 : sqArray) + 4L * sqEntries;
        long cqSize = cqes + Cqe.SIZE * cqEntries;
        boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        if (single) {
            sqSize = cqSize = Math.max(sqSize, cqSize);
        }
        MemorySegment sqMap = null, cqMap = null, sqeMap = null;
        try {
            sqMap = mmap(sys, fd, sqSize, IORING_OFF_SQ_RING);
            cqMap = single ? sqMap : mmap(sys, fd, cqSize, IORING_OFF_CQ_RING);
            sqeMap = mmap(sys, fd, Sqe.SIZE * sqEntries, IORING_OFF_SQES);
            return new Ring(sys, arena, fd, wanted, mode, params, sqMap, cqMap, sqeMap);
        } catch (Throwable t) {
            if (sqeMap != null) sys.munmap(sqeMap.address(), sqeMap.byteSize());
            if (cqMap != null && cqMap != sqMap) sys.munmap(cqMap.address(), cqMap.byteSize());
            if (sqMap != null) sys.munmap(sqMap.address(), sqMap.byteSize());
            sys.close(fd);
            throw t;
        }
    }

    private static MemorySegment mmap(SysCalls sys, int fd, long size, long offset) throws IOException {
        long address = sys.mmap(0, size, SysCalls.PROT_READ | SysCalls.PROT_WRITE,
                SysCalls.MAP_SHARED | SysCalls.MAP_POPULATE, fd, offset);
        if (address < 0) {
            throw new IOException("mmap of io_uring region at offset 0x" + Long.toHexString(offset)
                    + " failed: " + Errno.name((int) -address));
        }
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    private Probe readProbe() {
        try (Arena a = Arena.ofConfined()) {
            long size = ProbeLayout.HEADER_SIZE + ProbeLayout.OP_SIZE * ProbeLayout.MAX_OPS;
            MemorySegment p = a.allocate(size, 8);
            int ret = sys.ioUringRegister(ringFd, IORING_REGISTER_PROBE, p.address(), ProbeLayout.MAX_OPS);
            boolean[] supported = new boolean[ProbeLayout.MAX_OPS];
            if (ret < 0) {
                // Kernels before 5.6 have no probe; assume only NOP.
                supported[IORING_OP_NOP] = true;
                return new Probe(supported, 0);
            }
            int lastOp = Byte.toUnsignedInt(p.get(ValueLayout.JAVA_BYTE, ProbeLayout.LAST_OP_OFFSET));
            int opsLen = Byte.toUnsignedInt(p.get(ValueLayout.JAVA_BYTE, ProbeLayout.OPS_LEN_OFFSET));
            for (int i = 0; i < opsLen; i++) {
                long base = ProbeLayout.HEADER_SIZE + ProbeLayout.OP_SIZE * i;
                int op = Byte.toUnsignedInt(p.get(ValueLayout.JAVA_BYTE, base + ProbeLayout.OP_OP_OFFSET));
                int flags = Short.toUnsignedInt(p.get(ValueLayout.JAVA_SHORT, base + ProbeLayout.OP_FLAGS_OFFSET));
                supported[op] = (flags & IO_URING_OP_SUPPORTED) != 0;
            }
            return new Probe(supported, lastOp);
        }
    }

    /**
     * Registers the ring fd with the owner task ({@code IORING_REGISTER_RING_FDS},
     * 5.18) so that each enter skips the fd lookup. Owner thread only.
     *
     * @return whether the kernel took it
     */
    public boolean registerRingFd() {
        checkOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment update = a.allocate(RSRC_UPDATE_SIZE, 8);
            update.set(ValueLayout.JAVA_INT, 0, -1);         // offset: let the kernel choose
            update.set(ValueLayout.JAVA_LONG, 8, ringFd);   // data: the fd to register
            int ret = sys.ioUringRegister(ringFd, IORING_REGISTER_RING_FDS, update.address(), 1);
            if (ret != 1) {
                return false;
            }
            enterFd = update.get(ValueLayout.JAVA_INT, 0);
            enterFlags = IORING_ENTER_REGISTERED_RING;
            return true;
        }
    }

    public boolean isRingFdRegistered() {
        return enterFlags != 0;
    }

    /** Registers an eventfd the kernel signals when it posts CQEs ({@code IORING_REGISTER_EVENTFD}). */
    public void registerEventFd(int eventFd) throws IOException {
        checkOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fd = a.allocate(ValueLayout.JAVA_INT);
            fd.set(ValueLayout.JAVA_INT, 0, eventFd);
            int ret = sys.ioUringRegister(ringFd, IORING_REGISTER_EVENTFD, fd.address(), 1);
            if (ret < 0) {
                throw new IOException("IORING_REGISTER_EVENTFD(" + eventFd + ") on ring fd " + ringFd
                        + ": " + Errno.name(ret));
            }
        }
    }

    public void unregisterEventFd() throws IOException {
        checkOpen();
        int ret = sys.ioUringRegister(ringFd, IORING_UNREGISTER_EVENTFD, 0, 0);
        if (ret < 0) {
            throw new IOException("IORING_UNREGISTER_EVENTFD on ring fd " + ringFd + ": " + Errno.name(ret));
        }
    }

    /**
     * Publishes one SQE for {@code request}. When the SQ is full it submits
     * what is there to make room first.
     *
     * @return false when the SQ is full and the kernel takes no more for now
     *         (EBUSY/EAGAIN: it is short of CQ room); reap, then push again
     * @throws UnsupportedOperationException when the probe says the kernel lacks the opcode
     * @throws RingClosedException after close
     */
    public boolean push(Request request, long userData) throws IOException {
        checkOpen();
        if (!probe.supports(request.opcode)) {
            throw new UnsupportedOperationException("this kernel does not support IORING_OP_"
                    + IoUring.opName(Byte.toUnsignedInt(request.opcode)) + " (probe)");
        }
        while (!sq.push(request, userData)) {
            int ret = submit(0, 0);
            if (ret < 0 && ret != -Errno.EINTR) {
                return false;
            }
        }
        inFlight++;
        return true;
    }

    /**
     * Publishes {@code first} (which must carry {@code IOSQE_IO_LINK}) and
     * {@code second} in consecutive SQEs of one submission, as a link needs.
     *
     * @return false when the kernel takes no more SQEs for now (reap, then retry)
     */
    public boolean pushLinked(Request first, long firstUserData, Request second, long secondUserData)
            throws IOException {
        checkOpen();
        for (Request r : new Request[] {first, second}) {
            if (!probe.supports(r.opcode)) {
                throw new UnsupportedOperationException("this kernel does not support IORING_OP_"
                        + IoUring.opName(Byte.toUnsignedInt(r.opcode)) + " (probe)");
            }
        }
        while (sq.entries() - sq.pending() < 2) {
            int ret = submit(0, 0);
            if (ret < 0 && ret != -Errno.EINTR) {
                return false;
            }
        }
        sq.push(first, firstUserData);
        sq.push(second, secondUserData);
        inFlight += 2;
        return true;
    }

    /**
     * Submits pending SQEs and optionally waits: one {@code io_uring_enter}.
     * With {@code minComplete > 0} or a pending {@code IORING_SQ_TASKRUN} or
     * {@code CQ_OVERFLOW} flag it passes GETEVENTS so task work runs and
     * overflowed CQEs are flushed.
     *
     * @return the kernel's result: SQEs consumed, or {@code -errno} (EINTR, EBUSY, EAGAIN)
     * @throws IOException on -EBADR: the kernel dropped a completion
     */
    public int submit(int minComplete, int extraFlags) throws IOException {
        checkOpen();
        int toSubmit = sq.pending();
        int flags = extraFlags | enterFlags;
        if (minComplete > 0 || (sq.flags() & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0
                || mode == RingMode.DEFER) {
            flags |= IORING_ENTER_GETEVENTS;
        }
        return checkEnter(sys.ioUringEnter(enterFd, toSubmit, minComplete, flags, 0, 0));
    }

    /**
     * Submits and waits for at least one CQE, at most {@code timeoutNanos}
     * ({@code IORING_ENTER_EXT_ARG}).
     *
     * @return as {@link #submit}; {@code -ETIME} when the time ran out
     */
    public int submitAndWait(long timeoutNanos) throws IOException {
        checkOpen();
        if ((features & IORING_FEAT_EXT_ARG) == 0) {
            return submit(1, 0);
        }
        MemorySegment arg = waitArg;
        MemorySegment ts = arg.asSlice(GETEVENTS_ARG_SIZE, KernelTimespec.SIZE);
        KernelTimespec.set(ts, timeoutNanos);
        arg.set(ValueLayout.JAVA_LONG, 0, 0L);                 // sigmask
        arg.set(ValueLayout.JAVA_INT, 8, 0);                   // sigmask_sz
        arg.set(ValueLayout.JAVA_INT, 12, 0);                  // min_wait_usec
        arg.set(ValueLayout.JAVA_LONG, 16, ts.address());      // ts
        int flags = enterFlags | IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG;
        return checkEnter(sys.ioUringEnter(enterFd, sq.pending(), 1, flags, arg.address(), GETEVENTS_ARG_SIZE));
    }

    /**
     * {@code io_uring_enter} from a thread that is not the owner, with the raw
     * ring fd (a registered index belongs to the owner task). With
     * SINGLE_ISSUER only {@code toSubmit == 0} can succeed.
     */
    public int enterAsGuest(int toSubmit, int minComplete, int flags) {
        checkOpen();
        return sys.ioUringEnter(ringFd, toSubmit, minComplete, flags, 0, 0);
    }

    private static int checkEnter(int ret) throws IOException {
        if (ret == -Errno.EBADR) {
            throw new IOException("io_uring dropped a completion (EBADR): an operation's result is lost");
        }
        return ret;
    }

    /** Reaps every visible CQE into {@code handler}. */
    public int reap(CompletionQueue.Handler handler) {
        checkOpen();
        return cq.reap((userData, res, flags) -> {
            if ((flags & IORING_CQE_F_MORE) == 0) {
                inFlight--;
            }
            handler.completed(userData, res, flags);
        });
    }

    public SubmissionQueue sq() {
        return sq;
    }

    public CompletionQueue cq() {
        return cq;
    }

    public Probe probe() {
        return probe;
    }

    public int fd() {
        return ringFd;
    }

    /** The {@code IORING_SETUP_*} flags as the kernel wrote them back. */
    public int setupFlags() {
        return setupFlags;
    }

    public int requestedFlags() {
        return requestedFlags;
    }

    public int features() {
        return features;
    }

    public RingMode mode() {
        return mode;
    }

    public Thread owner() {
        return owner;
    }

    /** Requests pushed whose final CQE has not been reaped. */
    public long inFlight() {
        return inFlight;
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new RingClosedException();
        }
    }

    /**
     * Unmaps and closes the ring.
     *
     * @throws IllegalStateException while requests are in flight: the kernel
     *         still owns their memory until their CQEs
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (inFlight != 0) {
            throw new IllegalStateException("ring fd " + ringFd + " has " + inFlight
                    + " requests in flight; reap their completions before closing");
        }
        closed = true;
        if (enterFlags != 0 && Thread.currentThread() == owner) {
            // The registration holds a file reference of the owner task: drop it or
            // the ring outlives close() until the owner exits.
            try (Arena a = Arena.ofConfined()) {
                MemorySegment update = a.allocate(RSRC_UPDATE_SIZE, 8);
                update.set(ValueLayout.JAVA_INT, 0, enterFd);
                sys.ioUringRegister(ringFd, IORING_UNREGISTER_RING_FDS, update.address(), 1);
            }
        }
        sys.munmap(sqeMapping.address(), sqeMapping.byteSize());
        if (cqMapping != sqMapping) {
            sys.munmap(cqMapping.address(), cqMapping.byteSize());
        }
        sys.munmap(sqMapping.address(), sqMapping.byteSize());
        sys.close(ringFd);
        arena.close();
    }

    @Override
    public String toString() {
        return "Ring[fd=" + ringFd + ", mode=" + mode + ", flags=" + setupFlagNames(setupFlags) + "]";
    }
}
