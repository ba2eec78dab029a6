package io.ringloom.rings.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link SysCalls} through the JDK's FFM API. The io_uring calls have no libc
 * wrapper and go through the variadic {@code syscall(3)}; errno is captured
 * per call into a segment owned by the calling thread.
 */
final class FfmSysCalls implements SysCalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // Each downcall handle sits in a holder class of its own, made on the call's first use:
    // making a handle spins method-handle classes, and making all of them at start-up cost
    // about 0.4 s of a short command's time (ringcopy on a small tree, measured with
    // -Xlog:class+load), most of it for calls the command never makes. A holder's
    // static final is still a constant to the JIT, as the JDK's own holder idiom.

    private static final class Syscall6 {
        // syscall(long number, ...) with six variadic longs
        static final MethodHandle HANDLE = downcall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }

    private static final class Mmap {
        static final MethodHandle HANDLE = downcall("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                CAPTURE_ERRNO);
    }

    private static final class Munmap {
        static final MethodHandle HANDLE = downcall("munmap",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Close {
        static final MethodHandle HANDLE = downcall("close",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Eventfd {
        static final MethodHandle HANDLE = downcall("eventfd",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Read {
        static final MethodHandle HANDLE = downcall("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Write {
        static final MethodHandle HANDLE = downcall("write",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Pipe2 {
        static final MethodHandle HANDLE = downcall("pipe2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Openat {
        static final MethodHandle HANDLE = downcall("openat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(3), CAPTURE_ERRNO);
    }

    private static final class Pread {
        static final MethodHandle HANDLE = downcall("pread64",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Pwrite {
        static final MethodHandle HANDLE = downcall("pwrite64",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Preadv2 {
        static final MethodHandle HANDLE = downcall("preadv2",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Pwritev2 {
        static final MethodHandle HANDLE = downcall("pwritev2",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Lseek {
        static final MethodHandle HANDLE = downcall("lseek64",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Fstat {
        static final MethodHandle HANDLE = downcall("fstat64",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Ftruncate {
        static final MethodHandle HANDLE = downcall("ftruncate64",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Fstatfs {
        static final MethodHandle HANDLE = downcall("fstatfs64",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Fsync {
        static final MethodHandle HANDLE = downcall("fsync",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Fdatasync {
        static final MethodHandle HANDLE = downcall("fdatasync",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Unlinkat {
        static final MethodHandle HANDLE = downcall("unlinkat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Mkdirat {
        static final MethodHandle HANDLE = downcall("mkdirat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Renameat2 {
        static final MethodHandle HANDLE = downcall("renameat2",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Fchmod {
        static final MethodHandle HANDLE = downcall("fchmod",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Futimens {
        static final MethodHandle HANDLE = downcall("futimens",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class PosixFadvise {
        static final MethodHandle HANDLE = downcall("posix_fadvise64",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }

    private static final class Socket {
        static final MethodHandle HANDLE = downcall("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Bind {
        static final MethodHandle HANDLE = downcall("bind",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Listen {
        static final MethodHandle HANDLE = downcall("listen",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Accept4 {
        static final MethodHandle HANDLE = downcall("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Connect {
        static final MethodHandle HANDLE = downcall("connect",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Setsockopt {
        static final MethodHandle HANDLE = downcall("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Getsockopt {
        static final MethodHandle HANDLE = downcall("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Getsockname {
        static final MethodHandle HANDLE = downcall("getsockname",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Getpeername {
        static final MethodHandle HANDLE = downcall("getpeername",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    private static final class Shutdown {
        static final MethodHandle HANDLE = downcall("shutdown",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Recv {
        static final MethodHandle HANDLE = downcall("recv",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Send {
        static final MethodHandle HANDLE = downcall("send",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Poll {
        static final MethodHandle HANDLE = downcall("poll",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class CopyFileRange {
        static final MethodHandle HANDLE = downcall("copy_file_range",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT),
                CAPTURE_ERRNO);
    }

    private static final class Sendfile {
        static final MethodHandle HANDLE = downcall("sendfile64",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    }

    /** One errno capture segment per thread; a platform carrier reuses its own forever. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static long check(long ret, MemorySegment capture) {
        return ret == -1 ? -errno(capture) : ret;
    }

    private static long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment capture = CAPTURE.get();
        try {
            long ret = (long) Syscall6.HANDLE.invokeExact(capture, number, a1, a2, a3, a4, a5, a6);
            return check(ret, capture);
        } catch (Throwable t) {
            throw new AssertionError("syscall downcall failed", t);
        }
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
        MemorySegment capture = CAPTURE.get();
        try {
            long ret = (long) Mmap.HANDLE.invokeExact(capture, address, length, prot, flags, fd, offset);
            return check(ret, capture);
        } catch (Throwable t) {
            throw new AssertionError("mmap downcall failed", t);
        }
    }

    @Override
    public int munmap(long address, long length) {
        MemorySegment capture = CAPTURE.get();
        try {
            return (int) check((int) Munmap.HANDLE.invokeExact(capture, address, length), capture);
        } catch (Throwable t) {
            throw new AssertionError("munmap downcall failed", t);
        }
    }

    @Override
    public int close(int fd) {
        MemorySegment capture = CAPTURE.get();
        try {
            return (int) check((int) Close.HANDLE.invokeExact(capture, fd), capture);
        } catch (Throwable t) {
            throw new AssertionError("close downcall failed", t);
        }
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        MemorySegment capture = CAPTURE.get();
        try {
            return (int) check((int) Eventfd.HANDLE.invokeExact(capture, initialValue, flags), capture);
        } catch (Throwable t) {
            throw new AssertionError("eventfd downcall failed", t);
        }
    }

    @Override
    public long read(int fd, long bufferAddress, long count) {
        MemorySegment capture = CAPTURE.get();
        try {
            return check((long) Read.HANDLE.invokeExact(capture, fd, bufferAddress, count), capture);
        } catch (Throwable t) {
            throw new AssertionError("read downcall failed", t);
        }
    }

    @Override
    public long write(int fd, long bufferAddress, long count) {
        MemorySegment capture = CAPTURE.get();
        try {
            return check((long) Write.HANDLE.invokeExact(capture, fd, bufferAddress, count), capture);
        } catch (Throwable t) {
            throw new AssertionError("write downcall failed", t);
        }
    }

    @Override
    public int pipe2(long fdsAddress, int flags) {
        MemorySegment capture = CAPTURE.get();
        try {
            return (int) check((int) Pipe2.HANDLE.invokeExact(capture, fdsAddress, flags), capture);
        } catch (Throwable t) {
            throw new AssertionError("pipe2 downcall failed", t);
        }
    }

    @Override
    public int openat(int dirFd, long pathAddress, int flags, int mode) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Openat.HANDLE.invokeExact(c, dirFd, pathAddress, flags, mode), c);
        } catch (Throwable t) {
            throw new AssertionError("openat downcall failed", t);
        }
    }

    @Override
    public long pread(int fd, long bufferAddress, long count, long offset) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Pread.HANDLE.invokeExact(c, fd, bufferAddress, count, offset), c);
        } catch (Throwable t) {
            throw new AssertionError("pread downcall failed", t);
        }
    }

    @Override
    public long pwrite(int fd, long bufferAddress, long count, long offset) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Pwrite.HANDLE.invokeExact(c, fd, bufferAddress, count, offset), c);
        } catch (Throwable t) {
            throw new AssertionError("pwrite downcall failed", t);
        }
    }

    @Override
    public long preadv2(int fd, long iovAddress, int iovCount, long offset, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Preadv2.HANDLE.invokeExact(c, fd, iovAddress, iovCount, offset, flags), c);
        } catch (Throwable t) {
            throw new AssertionError("preadv2 downcall failed", t);
        }
    }

    @Override
    public long pwritev2(int fd, long iovAddress, int iovCount, long offset, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Pwritev2.HANDLE.invokeExact(c, fd, iovAddress, iovCount, offset, flags), c);
        } catch (Throwable t) {
            throw new AssertionError("pwritev2 downcall failed", t);
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Lseek.HANDLE.invokeExact(c, fd, offset, whence), c);
        } catch (Throwable t) {
            throw new AssertionError("lseek downcall failed", t);
        }
    }

    @Override
    public int fstat(int fd, long statAddress) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Fstat.HANDLE.invokeExact(c, fd, statAddress), c);
        } catch (Throwable t) {
            throw new AssertionError("fstat downcall failed", t);
        }
    }

    @Override
    public int ftruncate(int fd, long length) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Ftruncate.HANDLE.invokeExact(c, fd, length), c);
        } catch (Throwable t) {
            throw new AssertionError("ftruncate downcall failed", t);
        }
    }

    @Override
    public int fstatfs(int fd, long statfsAddress) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Fstatfs.HANDLE.invokeExact(c, fd, statfsAddress), c);
        } catch (Throwable t) {
            throw new AssertionError("fstatfs downcall failed", t);
        }
    }

    @Override
    public int fsync(int fd) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Fsync.HANDLE.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw new AssertionError("fsync downcall failed", t);
        }
    }

    @Override
    public int fdatasync(int fd) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Fdatasync.HANDLE.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw new AssertionError("fdatasync downcall failed", t);
        }
    }

    @Override
    public int unlinkat(int dirFd, long pathAddress, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Unlinkat.HANDLE.invokeExact(c, dirFd, pathAddress, flags), c);
        } catch (Throwable t) {
            throw new AssertionError("unlinkat downcall failed", t);
        }
    }

    @Override
    public int mkdirat(int dirFd, long pathAddress, int mode) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Mkdirat.HANDLE.invokeExact(c, dirFd, pathAddress, mode), c);
        } catch (Throwable t) {
            throw new AssertionError("mkdirat downcall failed", t);
        }
    }

    @Override
    public int renameat2(int oldDirFd, long oldPathAddress, int newDirFd, long newPathAddress, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Renameat2.HANDLE.invokeExact(c, oldDirFd, oldPathAddress, newDirFd, newPathAddress,
                    flags), c);
        } catch (Throwable t) {
            throw new AssertionError("renameat2 downcall failed", t);
        }
    }

    @Override
    public int fchmod(int fd, int mode) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Fchmod.HANDLE.invokeExact(c, fd, mode), c);
        } catch (Throwable t) {
            throw new AssertionError("fchmod downcall failed", t);
        }
    }

    @Override
    public int futimens(int fd, long timesAddress) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Futimens.HANDLE.invokeExact(c, fd, timesAddress), c);
        } catch (Throwable t) {
            throw new AssertionError("futimens downcall failed", t);
        }
    }

    @Override
    public int posixFadvise(int fd, long offset, long length, int advice) {
        try {
            return -(int) PosixFadvise.HANDLE.invokeExact(fd, offset, length, advice);
        } catch (Throwable t) {
            throw new AssertionError("posix_fadvise downcall failed", t);
        }
    }

    @Override
    public long copyFileRange(int fdIn, long offInAddress, int fdOut, long offOutAddress, long length, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) CopyFileRange.HANDLE.invokeExact(c, fdIn, offInAddress, fdOut, offOutAddress, length, flags), c);
        } catch (Throwable t) {
            throw new AssertionError("copy_file_range downcall failed", t);
        }
    }

    @Override
    public long sendfile(int outFd, int inFd, long offsetAddress, long count) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Sendfile.HANDLE.invokeExact(c, outFd, inFd, offsetAddress, count), c);
        } catch (Throwable t) {
            throw new AssertionError("sendfile downcall failed", t);
        }
    }

    /** Through the variadic {@code syscall(3)}, as the io_uring calls: glibc has no wrapper. */
    @Override
    public int cachestat(int fd, long rangeAddress, long cachestatAddress, int flags) {
        return (int) syscall(SYS_CACHESTAT, Integer.toUnsignedLong(fd), rangeAddress, cachestatAddress,
                Integer.toUnsignedLong(flags), 0, 0);
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Socket.HANDLE.invokeExact(c, domain, type, protocol), c);
        } catch (Throwable t) {
            throw new AssertionError("socket downcall failed", t);
        }
    }

    @Override
    public int bind(int fd, long addrAddress, int addrLen) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Bind.HANDLE.invokeExact(c, fd, addrAddress, addrLen), c);
        } catch (Throwable t) {
            throw new AssertionError("bind downcall failed", t);
        }
    }

    @Override
    public int listen(int fd, int backlog) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Listen.HANDLE.invokeExact(c, fd, backlog), c);
        } catch (Throwable t) {
            throw new AssertionError("listen downcall failed", t);
        }
    }

    @Override
    public int accept4(int fd, long addrAddress, long addrLenAddress, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Accept4.HANDLE.invokeExact(c, fd, addrAddress, addrLenAddress, flags), c);
        } catch (Throwable t) {
            throw new AssertionError("accept4 downcall failed", t);
        }
    }

    @Override
    public int connect(int fd, long addrAddress, int addrLen) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Connect.HANDLE.invokeExact(c, fd, addrAddress, addrLen), c);
        } catch (Throwable t) {
            throw new AssertionError("connect downcall failed", t);
        }
    }

    @Override
    public int setsockopt(int fd, int level, int name, long valueAddress, int valueLen) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Setsockopt.HANDLE.invokeExact(c, fd, level, name, valueAddress, valueLen), c);
        } catch (Throwable t) {
            throw new AssertionError("setsockopt downcall failed", t);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int name, long valueAddress, long valueLenAddress) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Getsockopt.HANDLE.invokeExact(c, fd, level, name, valueAddress, valueLenAddress), c);
        } catch (Throwable t) {
            throw new AssertionError("getsockopt downcall failed", t);
        }
    }

    @Override
    public int getsockname(int fd, long addrAddress, long addrLenAddress) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Getsockname.HANDLE.invokeExact(c, fd, addrAddress, addrLenAddress), c);
        } catch (Throwable t) {
            throw new AssertionError("getsockname downcall failed", t);
        }
    }

    @Override
    public int getpeername(int fd, long addrAddress, long addrLenAddress) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Getpeername.HANDLE.invokeExact(c, fd, addrAddress, addrLenAddress), c);
        } catch (Throwable t) {
            throw new AssertionError("getpeername downcall failed", t);
        }
    }

    @Override
    public int shutdown(int fd, int how) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Shutdown.HANDLE.invokeExact(c, fd, how), c);
        } catch (Throwable t) {
            throw new AssertionError("shutdown downcall failed", t);
        }
    }

    @Override
    public long recv(int fd, long bufferAddress, long length, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Recv.HANDLE.invokeExact(c, fd, bufferAddress, length, flags), c);
        } catch (Throwable t) {
            throw new AssertionError("recv downcall failed", t);
        }
    }

    @Override
    public long send(int fd, long bufferAddress, long length, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return check((long) Send.HANDLE.invokeExact(c, fd, bufferAddress, length, flags), c);
        } catch (Throwable t) {
            throw new AssertionError("send downcall failed", t);
        }
    }

    @Override
    public int poll(long fdsAddress, int nfds, int timeoutMillis) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check((int) Poll.HANDLE.invokeExact(c, fdsAddress, (long) nfds, timeoutMillis), c);
        } catch (Throwable t) {
            throw new AssertionError("poll downcall failed", t);
        }
    }

    @Override
    public String name() {
        return "ffm";
    }
}
