package io.ringloom.rings.sys;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.provider.jffi.NoX86;

/**
 * {@link SysCalls} through jnr-ffi. jnr-ffi's generated x86-64 stub passes a
 * wrong sixth integer argument (jnr-ffi issue 181; measured here: an
 * anonymous {@code mmap} fails with EINVAL). jnr-ffi reads {@code @NoX86}
 * only on the library interface, so the mappings with six or more integer
 * arguments live in their own interface that carries it; the others keep the
 * fast stubs. {@code SixthArgumentIT} proves the sixth argument arrives.
 */
final class JnrSysCalls implements SysCalls {

    /** libc calls with six or more integer arguments, without the faulty x86-64 stub. */
    @NoX86
    public interface LibCSixArgs {
        @SaveError
        long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

        @SaveError
        long mmap(long address, long length, int prot, int flags, int fd, long offset);

        @SaveError
        long copy_file_range(int fdIn, long offIn, int fdOut, long offOut, long length, int flags);
    }

    /** Five-argument calls: within the stub's correct range. */
    public interface LibCFiles {
        @SaveError
        int openat(int dirFd, long path, int flags, int mode);

        @SaveError
        long pread64(int fd, long buffer, long count, long offset);

        @SaveError
        long pwrite64(int fd, long buffer, long count, long offset);

        @SaveError
        long preadv2(int fd, long iov, int iovCount, long offset, int flags);

        @SaveError
        long pwritev2(int fd, long iov, int iovCount, long offset, int flags);

        @SaveError
        long lseek64(int fd, long offset, int whence);

        @SaveError
        int fstat64(int fd, long stat);

        @SaveError
        int ftruncate64(int fd, long length);

        @SaveError
        int fstatfs64(int fd, long statfs);

        @SaveError
        int fsync(int fd);

        @SaveError
        int fdatasync(int fd);

        @SaveError
        int unlinkat(int dirFd, long path, int flags);

        @SaveError
        int mkdirat(int dirFd, long path, int mode);

        @SaveError
        int renameat2(int oldDirFd, long oldPath, int newDirFd, long newPath, int flags);

        @SaveError
        int linkat(int oldDirFd, long oldPath, int newDirFd, long newPath, int flags);

        @SaveError
        int fchmod(int fd, int mode);

        @SaveError
        int fchown(int fd, int uid, int gid);

        @SaveError
        int futimens(int fd, long times);

        int posix_fadvise64(int fd, long offset, long length, int advice);

        @SaveError
        long sendfile64(int outFd, int inFd, long offset, long count);

        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int bind(int fd, long addr, int addrLen);

        @SaveError
        int listen(int fd, int backlog);

        @SaveError
        int accept4(int fd, long addr, long addrLen, int flags);

        @SaveError
        int connect(int fd, long addr, int addrLen);

        @SaveError
        int getsockname(int fd, long addr, long addrLen);

        @SaveError
        int getpeername(int fd, long addr, long addrLen);

        @SaveError
        int shutdown(int fd, int how);

        @SaveError
        int poll(long fds, long nfds, int timeout);

        @SaveError
        long recv(int fd, long buffer, long length, int flags);

        @SaveError
        long send(int fd, long buffer, long length, int flags);

        @SaveError
        int getsockopt(int fd, int level, int name, long value, long valueLen);

        @SaveError
        int setsockopt(int fd, int level, int name, long value, int valueLen);
    }

    /** libc as jnr-ffi binds it; pointers are passed as raw {@code long} addresses. */
    public interface LibC {
        @SaveError
        int munmap(long address, long length);

        @SaveError
        int close(int fd);

        @SaveError
        int eventfd(int initialValue, int flags);

        @SaveError
        long read(int fd, long buffer, long count);

        @SaveError
        long write(int fd, long buffer, long count);

        @SaveError
        int pipe2(long fds, int flags);
    }

    private final LibC libc;
    private final LibCSixArgs libc6;
    private final LibCFiles files;
    private final Runtime runtime;

    JnrSysCalls() {
        this.libc = LibraryLoader.create(LibC.class).load("c");
        this.libc6 = LibraryLoader.create(LibCSixArgs.class).load("c");
        this.files = LibraryLoader.create(LibCFiles.class).load("c");
        this.runtime = Runtime.getRuntime(libc);
    }

    private long check(long ret) {
        return ret == -1 ? -LastError.getLastError(runtime) : ret;
    }

    @Override
    public int ioUringSetup(int entries, long paramsAddress) {
        return (int) check(libc6.syscall(IoUring.SYS_IO_URING_SETUP, Integer.toUnsignedLong(entries), paramsAddress, 0, 0, 0, 0));
    }

    @Override
    public int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argSize) {
        return (int) check(libc6.syscall(IoUring.SYS_IO_URING_ENTER, Integer.toUnsignedLong(ringFd),
                Integer.toUnsignedLong(toSubmit), Integer.toUnsignedLong(minComplete),
                Integer.toUnsignedLong(flags), argAddress, argSize));
    }

    @Override
    public int ioUringRegister(int ringFd, int opcode, long argAddress, int nrArgs) {
        return (int) check(libc6.syscall(IoUring.SYS_IO_URING_REGISTER, Integer.toUnsignedLong(ringFd),
                Integer.toUnsignedLong(opcode), argAddress, Integer.toUnsignedLong(nrArgs), 0, 0));
    }

    @Override
    public long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        return check(libc6.mmap(address, length, prot, flags, fd, offset));
    }

    @Override
    public int munmap(long address, long length) {
        return (int) check(libc.munmap(address, length));
    }

    @Override
    public int close(int fd) {
        return (int) check(libc.close(fd));
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        return (int) check(libc.eventfd(initialValue, flags));
    }

    @Override
    public long read(int fd, long bufferAddress, long count) {
        return check(libc.read(fd, bufferAddress, count));
    }

    @Override
    public long write(int fd, long bufferAddress, long count) {
        return check(libc.write(fd, bufferAddress, count));
    }

    @Override
    public int pipe2(long fdsAddress, int flags) {
        return (int) check(libc.pipe2(fdsAddress, flags));
    }

    @Override
    public int openat(int dirFd, long pathAddress, int flags, int mode) {
        return (int) check(files.openat(dirFd, pathAddress, flags, mode));
    }

    @Override
    public long pread(int fd, long bufferAddress, long count, long offset) {
        return check(files.pread64(fd, bufferAddress, count, offset));
    }

    @Override
    public long pwrite(int fd, long bufferAddress, long count, long offset) {
        return check(files.pwrite64(fd, bufferAddress, count, offset));
    }

    @Override
    public long preadv2(int fd, long iovAddress, int iovCount, long offset, int flags) {
        return check(files.preadv2(fd, iovAddress, iovCount, offset, flags));
    }

    @Override
    public long pwritev2(int fd, long iovAddress, int iovCount, long offset, int flags) {
        return check(files.pwritev2(fd, iovAddress, iovCount, offset, flags));
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return check(files.lseek64(fd, offset, whence));
    }

    @Override
    public int fstat(int fd, long statAddress) {
        return (int) check(files.fstat64(fd, statAddress));
    }

    @Override
    public int ftruncate(int fd, long length) {
        return (int) check(files.ftruncate64(fd, length));
    }

    @Override
    public int fstatfs(int fd, long statfsAddress) {
        return (int) check(files.fstatfs64(fd, statfsAddress));
    }

    @Override
    public int fsync(int fd) {
        return (int) check(files.fsync(fd));
    }

    @Override
    public int fdatasync(int fd) {
        return (int) check(files.fdatasync(fd));
    }

    @Override
    public int unlinkat(int dirFd, long pathAddress, int flags) {
        return (int) check(files.unlinkat(dirFd, pathAddress, flags));
    }

    @Override
    public int mkdirat(int dirFd, long pathAddress, int mode) {
        return (int) check(files.mkdirat(dirFd, pathAddress, mode));
    }

    @Override
    public int renameat2(int oldDirFd, long oldPathAddress, int newDirFd, long newPathAddress, int flags) {
        return (int) check(files.renameat2(oldDirFd, oldPathAddress, newDirFd, newPathAddress, flags));
    }

    @Override
    public int linkat(int oldDirFd, long oldPathAddress, int newDirFd, long newPathAddress, int flags) {
        return (int) check(files.linkat(oldDirFd, oldPathAddress, newDirFd, newPathAddress, flags));
    }

    @Override
    public int fchmod(int fd, int mode) {
        return (int) check(files.fchmod(fd, mode));
    }

    @Override
    public int fchown(int fd, int uid, int gid) {
        return (int) check(files.fchown(fd, uid, gid));
    }

    @Override
    public int futimens(int fd, long timesAddress) {
        return (int) check(files.futimens(fd, timesAddress));
    }

    @Override
    public int posixFadvise(int fd, long offset, long length, int advice) {
        return -files.posix_fadvise64(fd, offset, length, advice);
    }

    @Override
    public long copyFileRange(int fdIn, long offInAddress, int fdOut, long offOutAddress, long length, int flags) {
        return check(libc6.copy_file_range(fdIn, offInAddress, fdOut, offOutAddress, length, flags));
    }

    @Override
    public long sendfile(int outFd, int inFd, long offsetAddress, long count) {
        return check(files.sendfile64(outFd, inFd, offsetAddress, count));
    }

    /** Through {@code syscall(3)}, as the io_uring calls: glibc has no wrapper. */
    @Override
    public int cachestat(int fd, long rangeAddress, long cachestatAddress, int flags) {
        return (int) check(libc6.syscall(SYS_CACHESTAT, Integer.toUnsignedLong(fd), rangeAddress, cachestatAddress,
                Integer.toUnsignedLong(flags), 0, 0));
    }

    /** Through {@code syscall(3)}: glibc's wrapper came only in 2.30. */
    @Override
    public long getdents64(int fd, long bufAddress, long length) {
        return check(libc6.syscall(SYS_GETDENTS64, Integer.toUnsignedLong(fd), bufAddress, length, 0, 0, 0));
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return (int) check(files.socket(domain, type, protocol));
    }

    @Override
    public int bind(int fd, long addrAddress, int addrLen) {
        return (int) check(files.bind(fd, addrAddress, addrLen));
    }

    @Override
    public int listen(int fd, int backlog) {
        return (int) check(files.listen(fd, backlog));
    }

    @Override
    public int accept4(int fd, long addrAddress, long addrLenAddress, int flags) {
        return (int) check(files.accept4(fd, addrAddress, addrLenAddress, flags));
    }

    @Override
    public int connect(int fd, long addrAddress, int addrLen) {
        return (int) check(files.connect(fd, addrAddress, addrLen));
    }

    @Override
    public int setsockopt(int fd, int level, int name, long valueAddress, int valueLen) {
        return (int) check(files.setsockopt(fd, level, name, valueAddress, valueLen));
    }

    @Override
    public int getsockopt(int fd, int level, int name, long valueAddress, long valueLenAddress) {
        return (int) check(files.getsockopt(fd, level, name, valueAddress, valueLenAddress));
    }

    @Override
    public int getsockname(int fd, long addrAddress, long addrLenAddress) {
        return (int) check(files.getsockname(fd, addrAddress, addrLenAddress));
    }

    @Override
    public int getpeername(int fd, long addrAddress, long addrLenAddress) {
        return (int) check(files.getpeername(fd, addrAddress, addrLenAddress));
    }

    @Override
    public int shutdown(int fd, int how) {
        return (int) check(files.shutdown(fd, how));
    }

    @Override
    public long recv(int fd, long bufferAddress, long length, int flags) {
        return check(files.recv(fd, bufferAddress, length, flags));
    }

    @Override
    public long send(int fd, long bufferAddress, long length, int flags) {
        return check(files.send(fd, bufferAddress, length, flags));
    }

    @Override
    public int poll(long fdsAddress, int nfds, int timeoutMillis) {
        return (int) check(files.poll(fdsAddress, nfds, timeoutMillis));
    }

    @Override
    public String name() {
        return "jnr";
    }
}
