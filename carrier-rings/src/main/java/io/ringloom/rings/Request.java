package io.ringloom.rings;

import io.ringloom.rings.layout.Iovec;
import io.ringloom.rings.layout.KernelTimespec;
import io.ringloom.rings.sys.SysCalls;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static io.ringloom.rings.sys.IoUring.*;

/**
 * What one SQE asks of the kernel: every field that {@link SubmissionQueue}
 * writes, and the object whose memory the kernel may touch, held reachable
 * until the request's CQE. The factories check their arguments so that no
 * (address, length) pair reaching the kernel lies outside the given segment.
 */
public final class Request {
    final byte opcode;
    final byte flags;
    final short ioprio;
    final int fd;
    final long off;
    final long addr;
    final int len;
    final int opFlags;
    final short bufIndex;
    final int spliceFdIn;
    final long addr3;
    /** Memory the kernel owns until this request's CQE; referenced only to keep it alive. */
    final Object keepAlive;

    private Request(byte opcode, byte flags, int fd, long off, long addr, int len, int opFlags,
                    short bufIndex, int spliceFdIn, long addr3, Object keepAlive) {
        this.opcode = opcode;
        this.flags = flags;
        this.ioprio = 0;
        this.fd = fd;
        this.off = off;
        this.addr = addr;
        this.len = len;
        this.opFlags = opFlags;
        this.bufIndex = bufIndex;
        this.spliceFdIn = spliceFdIn;
        this.addr3 = addr3;
        this.keepAlive = keepAlive;
    }

    public byte opcode() {
        return opcode;
    }

    public int fd() {
        return fd;
    }

    /** Any SQE, fields as given; for opcodes without a factory and for tests. */
    public static Request raw(int opcode, int flags, int fd, long off, long addr, int len, int opFlags, Object keepAlive) {
        return new Request((byte) opcode, (byte) flags, fd, off, addr, len, opFlags, (short) 0, 0, 0, keepAlive);
    }

    public static Request nop() {
        return new Request(IORING_OP_NOP, (byte) 0, -1, 0, 0, 0, 0, (short) 0, 0, 0, null);
    }

    /** Read into all of {@code buffer} at {@code position} (-1: the file's current position). */
    public static Request read(int fd, MemorySegment buffer, long position) {
        checkFd(fd);
        checkBuffer(buffer);
        return new Request(IORING_OP_READ, (byte) 0, fd, position, buffer.address(), (int) buffer.byteSize(),
                0, (short) 0, 0, 0, buffer);
    }

    /** Write all of {@code buffer} at {@code position} (-1: the file's current position). */
    public static Request write(int fd, MemorySegment buffer, long position) {
        checkFd(fd);
        checkBuffer(buffer);
        return new Request(IORING_OP_WRITE, (byte) 0, fd, position, buffer.address(), (int) buffer.byteSize(),
                0, (short) 0, 0, 0, buffer);
    }

    /** Vectored read; {@code iovecs} holds {@code count} {@code struct iovec} built from checked segments. */
    public static Request readv(int fd, MemorySegment iovecs, int count, long position, Object buffers) {
        checkFd(fd);
        checkIovecs(iovecs, count);
        return new Request(IORING_OP_READV, (byte) 0, fd, position, iovecs.address(), count,
                0, (short) 0, 0, 0, new Object[] {iovecs, buffers});
    }

    /** Vectored write; {@code iovecs} holds {@code count} {@code struct iovec} built from checked segments. */
    public static Request writev(int fd, MemorySegment iovecs, int count, long position, Object buffers) {
        checkFd(fd);
        checkIovecs(iovecs, count);
        return new Request(IORING_OP_WRITEV, (byte) 0, fd, position, iovecs.address(), count,
                0, (short) 0, 0, 0, new Object[] {iovecs, buffers});
    }

    /** {@code fsync}, or {@code fdatasync} when {@code dataOnly}. */
    public static Request fsync(int fd, boolean dataOnly) {
        checkFd(fd);
        return new Request(IORING_OP_FSYNC, (byte) 0, fd, 0, 0, 0, dataOnly ? 1 : 0, (short) 0, 0, 0, null);
    }

    /** {@code AT_FDCWD}: resolve a relative path against the working directory. */
    public static final int AT_FDCWD = -100;

    /** {@code openat(dirFd, path, flags, mode)}; {@code path} is a NUL-terminated native string. */
    public static Request openat(int dirFd, MemorySegment path, int flags, int mode) {
        checkPath(dirFd, path);
        return new Request(IORING_OP_OPENAT, (byte) 0, dirFd, 0, path.address(), mode, flags,
                (short) 0, 0, 0, path);
    }

    /** {@code unlinkat(dirFd, path, flags)}; flags 0 or AT_REMOVEDIR. */
    public static Request unlinkat(int dirFd, MemorySegment path, int flags) {
        checkPath(dirFd, path);
        return new Request(IORING_OP_UNLINKAT, (byte) 0, dirFd, 0, path.address(), 0, flags, (short) 0, 0, 0, path);
    }

    /** {@code mkdirat(dirFd, path, mode)}. */
    public static Request mkdirat(int dirFd, MemorySegment path, int mode) {
        checkPath(dirFd, path);
        return new Request(IORING_OP_MKDIRAT, (byte) 0, dirFd, 0, path.address(), mode, 0, (short) 0, 0, 0, path);
    }

    private static void checkPath(int dirFd, MemorySegment path) {
        if (dirFd < 0 && dirFd != AT_FDCWD) {
            throw new IllegalArgumentException("bad directory fd " + dirFd);
        }
        checkBuffer(path);
        if (path.byteSize() == 0 || path.get(java.lang.foreign.ValueLayout.JAVA_BYTE, path.byteSize() - 1) != 0) {
            throw new IllegalArgumentException("path must be NUL-terminated");
        }
    }

    /** {@code close(fd)} through the ring. */
    public static Request close(int fd) {
        checkFd(fd);
        return new Request(IORING_OP_CLOSE, (byte) 0, fd, 0, 0, 0, 0, (short) 0, 0, 0, null);
    }

    /** Poll {@code fd} once for {@code events} (poll(2) bits); res is the ready mask. */
    public static Request pollAdd(int fd, int events) {
        checkFd(fd);
        return new Request(IORING_OP_POLL_ADD, (byte) 0, fd, 0, 0, 0, events & 0xFFFF, (short) 0, 0, 0, null);
    }

    /** Cancel the request whose user_data is {@code target} (io_uring_prep_cancel64). */
    public static Request cancel(long target) {
        return new Request(IORING_OP_ASYNC_CANCEL, (byte) 0, -1, 0, target, 0, 0, (short) 0, 0, 0, null);
    }

    /**
     * Cancel every request on {@code fd} in this ring ({@code IORING_ASYNC_CANCEL_FD |
     * IORING_ASYNC_CANCEL_ALL}, 5.19): used when a channel closes under blocked calls.
     */
    public static Request cancelFd(int fd) {
        checkFd(fd);
        return new Request(IORING_OP_ASYNC_CANCEL, (byte) 0, fd, 0, 0, 0,
                IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD, (short) 0, 0, 0, null);
    }

    /** {@code ftruncate(fd, length)} through the ring (6.9). */
    public static Request ftruncate(int fd, long length) {
        checkFd(fd);
        if (length < 0) throw new IllegalArgumentException("negative length " + length);
        return new Request(IORING_OP_FTRUNCATE, (byte) 0, fd, length, 0, 0, 0, (short) 0, 0, 0, null);
    }

    /** {@code accept4(fd, addr, &addrLen, SOCK_CLOEXEC)}; {@code addrLen} holds the buffer size. */
    public static Request accept(int fd, MemorySegment addr, MemorySegment addrLen) {
        checkFd(fd);
        checkBuffer(addr);
        checkBuffer(addrLen);
        if (addrLen.byteSize() < 4) throw new IllegalArgumentException("socklen_t needs 4 bytes");
        return new Request(IORING_OP_ACCEPT, (byte) 0, fd, addrLen.address(), addr.address(), 0,
                SysCalls.SOCK_CLOEXEC, (short) 0, 0, 0, new Object[] {addr, addrLen});
    }

    /** {@code connect(fd, addr, addr.byteSize())}. */
    public static Request connect(int fd, MemorySegment addr) {
        checkFd(fd);
        checkBuffer(addr);
        return new Request(IORING_OP_CONNECT, (byte) 0, fd, addr.byteSize(), addr.address(), 0, 0,
                (short) 0, 0, 0, addr);
    }

    /** {@code recv(fd, buffer, size, flags)}. */
    public static Request recv(int fd, MemorySegment buffer, int flags) {
        checkFd(fd);
        checkBuffer(buffer);
        return new Request(IORING_OP_RECV, (byte) 0, fd, 0, buffer.address(), (int) buffer.byteSize(), flags,
                (short) 0, 0, 0, buffer);
    }

    /** {@code send(fd, buffer, size, flags)}. */
    public static Request send(int fd, MemorySegment buffer, int flags) {
        checkFd(fd);
        checkBuffer(buffer);
        return new Request(IORING_OP_SEND, (byte) 0, fd, 0, buffer.address(), (int) buffer.byteSize(), flags,
                (short) 0, 0, 0, buffer);
    }

    /** {@code shutdown(fd, how)}. */
    public static Request shutdown(int fd, int how) {
        checkFd(fd);
        return new Request(IORING_OP_SHUTDOWN, (byte) 0, fd, 0, 0, how, 0, (short) 0, 0, 0, null);
    }

    /** {@code socket(domain, type, protocol)} (5.19); res is the new fd. */
    public static Request socket(int domain, int type, int protocol) {
        return new Request(IORING_OP_SOCKET, (byte) 0, domain, type, 0, protocol, 0, (short) 0, 0, 0, null);
    }

    /** {@code bind(fd, addr, addr.byteSize())} (6.11). */
    public static Request bind(int fd, MemorySegment addr) {
        checkFd(fd);
        checkBuffer(addr);
        return new Request(IORING_OP_BIND, (byte) 0, fd, addr.byteSize(), addr.address(), 0, 0,
                (short) 0, 0, 0, addr);
    }

    /** {@code listen(fd, backlog)} (6.11). */
    public static Request listen(int fd, int backlog) {
        checkFd(fd);
        return new Request(IORING_OP_LISTEN, (byte) 0, fd, 0, 0, backlog, 0, (short) 0, 0, 0, null);
    }

    /**
     * A timeout linked to the request before it ({@code IORING_OP_LINK_TIMEOUT}):
     * that request is cancelled (-ECANCELED) unless it completes within
     * {@code timespec} ({@code struct __kernel_timespec}, read at submission).
     */
    public static Request linkTimeout(MemorySegment timespec) {
        checkBuffer(timespec);
        if (timespec.byteSize() < KernelTimespec.SIZE) {
            throw new IllegalArgumentException("a __kernel_timespec needs " + KernelTimespec.SIZE + " bytes");
        }
        return new Request(IORING_OP_LINK_TIMEOUT, (byte) 0, -1, 0, timespec.address(), 1, 0, (short) 0, 0, 0, timespec);
    }

    /** This request with {@code IOSQE_IO_LINK}: the next SQE waits for it (a linked timeout guards it). */
    public Request linked() {
        return new Request(opcode, (byte) (flags | IOSQE_IO_LINK), fd, off, addr, len, opFlags, bufIndex,
                spliceFdIn, addr3, keepAlive);
    }

    /** Post a CQE with {@code res} and {@code userData} into the ring whose fd is {@code targetRingFd}. */
    public static Request msgRing(int targetRingFd, int res, long userData) {
        checkFd(targetRingFd);
        return new Request(IORING_OP_MSG_RING, (byte) 0, targetRingFd, userData, IORING_MSG_DATA, res,
                0, (short) 0, 0, 0, null);
    }

    private static void checkFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("negative fd " + fd);
        }
    }

    private static void checkBuffer(MemorySegment buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("the kernel can only be given native memory: " + buffer);
        }
        if (buffer.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer of " + buffer.byteSize() + " bytes exceeds an SQE's u32 len");
        }
    }

    private static void checkIovecs(MemorySegment iovecs, int count) {
        checkBuffer(iovecs);
        if (count < 0 || count > 1024 || iovecs.byteSize() < Iovec.SIZE * count) {
            throw new IllegalArgumentException("bad iovec count " + count + " for " + iovecs.byteSize() + " bytes");
        }
    }

    @Override
    public String toString() {
        return "IORING_OP_" + opName(opcode) + "(fd=" + fd + ", len=" + len + ")";
    }

    /**
     * {@code renameat2(oldDirFd, oldPath, newDirFd, newPath, flags)}: IORING_OP_RENAMEAT, kernel 5.11
     * (io_uring/fs.c io_renameat_prep: fd is the old dirfd, addr the old path, len the new dirfd,
     * off (addr2) the new path, rename_flags the flags (0 or SysCalls.RENAME_NOREPLACE); buf_index and
     * splice_fd_in must be 0).
     */
    public static Request renameat(int oldDirFd, MemorySegment oldPath, int newDirFd, MemorySegment newPath, int flags) {
        checkPath(oldDirFd, oldPath);
        checkPath(newDirFd, newPath);
        return new Request(IORING_OP_RENAMEAT, (byte) 0, oldDirFd, newPath.address(), oldPath.address(), newDirFd,
                flags, (short) 0, 0, 0, new Object[] {oldPath, newPath});
    }

    /**
     * {@code linkat(oldDirFd, oldPath, newDirFd, newPath, flags)}: IORING_OP_LINKAT, kernel 5.15
     * (io_uring/fs.c io_linkat_prep: the same fields as renameat, with hardlink_flags where
     * rename_flags are; flags 0, SysCalls.AT_SYMLINK_FOLLOW or SysCalls.AT_EMPTY_PATH).
     */
    public static Request linkat(int oldDirFd, MemorySegment oldPath, int newDirFd, MemorySegment newPath, int flags) {
        checkPath(oldDirFd, oldPath);
        checkPath(newDirFd, newPath);
        return new Request(IORING_OP_LINKAT, (byte) 0, oldDirFd, newPath.address(), oldPath.address(), newDirFd,
                flags, (short) 0, 0, 0, new Object[] {oldPath, newPath});
    }
}
