package io.ringloom.rings.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link SysCalls} through the JDK's FFM API: every call is the kernel's own
 * system call made through one downcall handle, the variadic {@code syscall(3)}
 * with six arguments, with the x86-64 numbers below (the one architecture
 * Ringloom binds: {@code struct stat} and the page size are x86-64's too).
 * errno is captured per call into a segment owned by the calling thread.
 *
 * <p>One handle, not one per libc function: the JDK spins a downcall stub and
 * its method-handle classes per distinct function descriptor at run time, which
 * the AOT cache does not keep. Measured on JDK 25.0.3, the first handle cost
 * about 90 ms and each further descriptor 6-7 ms when ringcopy copying one file made
 * ten (docs/DESIGN.md, "Native backends"); with the AOT cache of today the one
 * handle takes about 20 ms, begun early on a thread of its own ({@link #prepare}).
 */
final class FfmSysCalls implements SysCalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl); io_uring's and
    // cachestat's are in IoUring and SysCalls, the same on every architecture.
    private static final long SYS_READ = 0;
    private static final long SYS_WRITE = 1;
    private static final long SYS_CLOSE = 3;
    private static final long SYS_FSTAT = 5;
    private static final long SYS_POLL = 7;
    private static final long SYS_LSEEK = 8;
    private static final long SYS_MMAP = 9;
    private static final long SYS_MUNMAP = 11;
    private static final long SYS_PREAD64 = 17;
    private static final long SYS_PWRITE64 = 18;
    private static final long SYS_SENDFILE = 40;
    private static final long SYS_SOCKET = 41;
    private static final long SYS_CONNECT = 42;
    private static final long SYS_SENDTO = 44;
    private static final long SYS_RECVFROM = 45;
    private static final long SYS_SHUTDOWN = 48;
    private static final long SYS_BIND = 49;
    private static final long SYS_LISTEN = 50;
    private static final long SYS_GETSOCKNAME = 51;
    private static final long SYS_GETPEERNAME = 52;
    private static final long SYS_SETSOCKOPT = 54;
    private static final long SYS_GETSOCKOPT = 55;
    private static final long SYS_FSYNC = 74;
    private static final long SYS_FDATASYNC = 75;
    private static final long SYS_FTRUNCATE = 77;
    private static final long SYS_FCHMOD = 91;
    private static final long SYS_FCHOWN = 93;
    private static final long SYS_FSTATFS = 138;
    private static final long SYS_FADVISE64 = 221;
    private static final long SYS_OPENAT = 257;
    private static final long SYS_MKDIRAT = 258;
    private static final long SYS_UNLINKAT = 263;
    private static final long SYS_LINKAT = 265;
    private static final long SYS_UTIMENSAT = 280;
    private static final long SYS_ACCEPT4 = 288;
    private static final long SYS_EVENTFD2 = 290;
    private static final long SYS_PIPE2 = 293;
    private static final long SYS_RENAMEAT2 = 316;
    private static final long SYS_COPY_FILE_RANGE = 326;
    private static final long SYS_PREADV2 = 327;
    private static final long SYS_PWRITEV2 = 328;

    /** The handle, made on the first call or by {@link #prepare} (a class's static final is a constant to the JIT). */
    private static final class Syscall6 {
        // long syscall(long number, ...) with six variadic longs
        static final MethodHandle HANDLE = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("libc has no syscall")),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }

    /** One errno capture segment per thread; a platform carrier reuses its own forever. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /**
     * The call's result, or {@code -errno}. An int argument widens with its sign, as
     * the C caller's would; the kernel reads an int parameter from the low half.
     */
    private static long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment capture = CAPTURE.get();
        long ret;
        try {
            ret = (long) Syscall6.HANDLE.invokeExact(capture, number, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw new AssertionError("syscall downcall failed", t);
        }
        return ret == -1 ? -(int) ERRNO.get(capture, 0L) : ret;
    }

    @Override
    public void prepare() {
        CAPTURE.get();           // the thread-local's code path, not this thread's segment, is what is wanted
        Syscall6.HANDLE.type();  // the holder's initialisation makes the handle
    }

    @Override
    public int ioUringSetup(int entries, long paramsAddress) {
        return (int) syscall(IoUring.SYS_IO_URING_SETUP, Integer.toUnsignedLong(entries), paramsAddress, 0, 0, 0, 0);
    }

    @Override
    public int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argSize) {
        return (int) syscall(IoUring.SYS_IO_URING_ENTER, Integer.toUnsignedLong(ringFd),
                Integer.toUnsignedLong(toSubmit), Integer.toUnsignedLong(minComplete),
                Integer.toUnsignedLong(flags), argAddress, argSize);
    }

    @Override
    public int ioUringRegister(int ringFd, int opcode, long argAddress, int nrArgs) {
        return (int) syscall(IoUring.SYS_IO_URING_REGISTER, Integer.toUnsignedLong(ringFd),
                Integer.toUnsignedLong(opcode), argAddress, Integer.toUnsignedLong(nrArgs), 0, 0);
    }

    @Override
    public long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        return syscall(SYS_MMAP, address, length, prot, flags, fd, offset);
    }

    @Override
    public int munmap(long address, long length) {
        return (int) syscall(SYS_MUNMAP, address, length, 0, 0, 0, 0);
    }

    @Override
    public int close(int fd) {
        return (int) syscall(SYS_CLOSE, fd, 0, 0, 0, 0, 0);
    }

    /** libc's {@code eventfd} is the kernel's {@code eventfd2}. */
    @Override
    public int eventfd(int initialValue, int flags) {
        return (int) syscall(SYS_EVENTFD2, Integer.toUnsignedLong(initialValue), flags, 0, 0, 0, 0);
    }

    @Override
    public long read(int fd, long bufferAddress, long count) {
        return syscall(SYS_READ, fd, bufferAddress, count, 0, 0, 0);
    }

    @Override
    public long write(int fd, long bufferAddress, long count) {
        return syscall(SYS_WRITE, fd, bufferAddress, count, 0, 0, 0);
    }

    @Override
    public int pipe2(long fdsAddress, int flags) {
        return (int) syscall(SYS_PIPE2, fdsAddress, flags, 0, 0, 0, 0);
    }

    @Override
    public int openat(int dirFd, long pathAddress, int flags, int mode) {
        return (int) syscall(SYS_OPENAT, dirFd, pathAddress, flags, mode, 0, 0);
    }

    @Override
    public long pread(int fd, long bufferAddress, long count, long offset) {
        return syscall(SYS_PREAD64, fd, bufferAddress, count, offset, 0, 0);
    }

    @Override
    public long pwrite(int fd, long bufferAddress, long count, long offset) {
        return syscall(SYS_PWRITE64, fd, bufferAddress, count, offset, 0, 0);
    }

    /**
     * The kernel's {@code preadv2} takes the offset as two halves (fs/read_write.c,
     * {@code pos_from_hilo}); on a 64-bit kernel the low one is all of it, and -1
     * there reads at the file position, as libc's wrapper passes it.
     */
    @Override
    public long preadv2(int fd, long iovAddress, int iovCount, long offset, int flags) {
        return syscall(SYS_PREADV2, fd, iovAddress, iovCount, offset, 0, flags);
    }

    /** As {@link #preadv2}: the offset's low half is all of it. */
    @Override
    public long pwritev2(int fd, long iovAddress, int iovCount, long offset, int flags) {
        return syscall(SYS_PWRITEV2, fd, iovAddress, iovCount, offset, 0, flags);
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return syscall(SYS_LSEEK, fd, offset, whence, 0, 0, 0);
    }

    /** The kernel's x86-64 {@code struct stat} is libc's ({@code Stat}). */
    @Override
    public int fstat(int fd, long statAddress) {
        return (int) syscall(SYS_FSTAT, fd, statAddress, 0, 0, 0, 0);
    }

    @Override
    public int ftruncate(int fd, long length) {
        return (int) syscall(SYS_FTRUNCATE, fd, length, 0, 0, 0, 0);
    }

    @Override
    public int fstatfs(int fd, long statfsAddress) {
        return (int) syscall(SYS_FSTATFS, fd, statfsAddress, 0, 0, 0, 0);
    }

    @Override
    public int fsync(int fd) {
        return (int) syscall(SYS_FSYNC, fd, 0, 0, 0, 0, 0);
    }

    @Override
    public int fdatasync(int fd) {
        return (int) syscall(SYS_FDATASYNC, fd, 0, 0, 0, 0, 0);
    }

    @Override
    public int unlinkat(int dirFd, long pathAddress, int flags) {
        return (int) syscall(SYS_UNLINKAT, dirFd, pathAddress, flags, 0, 0, 0);
    }

    @Override
    public int mkdirat(int dirFd, long pathAddress, int mode) {
        return (int) syscall(SYS_MKDIRAT, dirFd, pathAddress, mode, 0, 0, 0);
    }

    @Override
    public int renameat2(int oldDirFd, long oldPathAddress, int newDirFd, long newPathAddress, int flags) {
        return (int) syscall(SYS_RENAMEAT2, oldDirFd, oldPathAddress, newDirFd, newPathAddress, flags, 0);
    }

    @Override
    public int linkat(int oldDirFd, long oldPathAddress, int newDirFd, long newPathAddress, int flags) {
        return (int) syscall(SYS_LINKAT, oldDirFd, oldPathAddress, newDirFd, newPathAddress, flags, 0);
    }

    @Override
    public int fchmod(int fd, int mode) {
        return (int) syscall(SYS_FCHMOD, fd, mode, 0, 0, 0, 0);
    }

    /** uid_t and gid_t are 32 bits: -1 goes as 0xFFFFFFFF, which the kernel reads as "leave it". */
    @Override
    public int fchown(int fd, int uid, int gid) {
        return (int) syscall(SYS_FCHOWN, fd, uid & 0xFFFFFFFFL, gid & 0xFFFFFFFFL, 0, 0, 0);
    }

    /**
     * libc's {@code futimens} is {@code utimensat(fd, NULL, times, 0)}. With no path
     * the kernel acts on {@code fd} itself, and a negative fd fails: EBADF, or
     * EFAULT for {@code AT_FDCWD} (fs/utimes.c, {@code do_utimes}).
     */
    @Override
    public int futimens(int fd, long timesAddress) {
        return (int) syscall(SYS_UTIMENSAT, fd, 0, timesAddress, 0, 0, 0);
    }

    /** The system call answers -1 and errno, where libc's {@code posix_fadvise} returns the error: same result here. */
    @Override
    public int posixFadvise(int fd, long offset, long length, int advice) {
        return (int) syscall(SYS_FADVISE64, fd, offset, length, advice, 0, 0);
    }

    @Override
    public long copyFileRange(int fdIn, long offInAddress, int fdOut, long offOutAddress, long length, int flags) {
        return syscall(SYS_COPY_FILE_RANGE, fdIn, offInAddress, fdOut, offOutAddress, length, flags);
    }

    @Override
    public long sendfile(int outFd, int inFd, long offsetAddress, long count) {
        return syscall(SYS_SENDFILE, outFd, inFd, offsetAddress, count, 0, 0);
    }

    @Override
    public int cachestat(int fd, long rangeAddress, long cachestatAddress, int flags) {
        return (int) syscall(SYS_CACHESTAT, Integer.toUnsignedLong(fd), rangeAddress, cachestatAddress,
                Integer.toUnsignedLong(flags), 0, 0);
    }

    @Override
    public long getdents64(int fd, long bufAddress, long length) {
        return syscall(SYS_GETDENTS64, Integer.toUnsignedLong(fd), bufAddress, length, 0, 0, 0);
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return (int) syscall(SYS_SOCKET, domain, type, protocol, 0, 0, 0);
    }

    @Override
    public int bind(int fd, long addrAddress, int addrLen) {
        return (int) syscall(SYS_BIND, fd, addrAddress, addrLen, 0, 0, 0);
    }

    @Override
    public int listen(int fd, int backlog) {
        return (int) syscall(SYS_LISTEN, fd, backlog, 0, 0, 0, 0);
    }

    @Override
    public int accept4(int fd, long addrAddress, long addrLenAddress, int flags) {
        return (int) syscall(SYS_ACCEPT4, fd, addrAddress, addrLenAddress, flags, 0, 0);
    }

    @Override
    public int connect(int fd, long addrAddress, int addrLen) {
        return (int) syscall(SYS_CONNECT, fd, addrAddress, addrLen, 0, 0, 0);
    }

    @Override
    public int setsockopt(int fd, int level, int name, long valueAddress, int valueLen) {
        return (int) syscall(SYS_SETSOCKOPT, fd, level, name, valueAddress, valueLen, 0);
    }

    @Override
    public int getsockopt(int fd, int level, int name, long valueAddress, long valueLenAddress) {
        return (int) syscall(SYS_GETSOCKOPT, fd, level, name, valueAddress, valueLenAddress, 0);
    }

    @Override
    public int getsockname(int fd, long addrAddress, long addrLenAddress) {
        return (int) syscall(SYS_GETSOCKNAME, fd, addrAddress, addrLenAddress, 0, 0, 0);
    }

    @Override
    public int getpeername(int fd, long addrAddress, long addrLenAddress) {
        return (int) syscall(SYS_GETPEERNAME, fd, addrAddress, addrLenAddress, 0, 0, 0);
    }

    @Override
    public int shutdown(int fd, int how) {
        return (int) syscall(SYS_SHUTDOWN, fd, how, 0, 0, 0, 0);
    }

    /** libc's {@code recv} is {@code recvfrom} without an address. */
    @Override
    public long recv(int fd, long bufferAddress, long length, int flags) {
        return syscall(SYS_RECVFROM, fd, bufferAddress, length, flags, 0, 0);
    }

    /** libc's {@code send} is {@code sendto} without an address. */
    @Override
    public long send(int fd, long bufferAddress, long length, int flags) {
        return syscall(SYS_SENDTO, fd, bufferAddress, length, flags, 0, 0);
    }

    @Override
    public int poll(long fdsAddress, int nfds, int timeoutMillis) {
        return (int) syscall(SYS_POLL, fdsAddress, Integer.toUnsignedLong(nfds), timeoutMillis, 0, 0, 0);
    }

    @Override
    public String name() {
        return "ffm";
    }
}
