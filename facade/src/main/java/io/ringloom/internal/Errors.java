package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one place where an errno becomes an exception, as the JDK's
 * {@code UnixException.translateToIOException} does for paths and
 * {@code sun.nio.ch.Net} for sockets: the same types, the JDK's messages for
 * sockets, and for files messages that name the call, the path or fd, and the
 * errno by name. Which results are a close's or an interrupt's cancellation,
 * left to {@code AbstractInterruptibleChannel.end}, is decided here too
 * (docs/DESIGN.md, "Lifecycle and close").
 */
public final class Errors {
    private Errors() {}

    private static final int ENETUNREACH = 101;
    private static final int EADDRINUSE = 98;
    private static final int EADDRNOTAVAIL = 99;

    /**
     * Whether {@code res} is how a request ends when it was cancelled: by a
     * close's or an interrupt's {@code ASYNC_CANCEL} ({@code -ECANCELED}), a
     * signal ({@code -EINTR}), or a cancel that caught it in io-wq
     * ({@code -ERESTARTSYS}).
     */
    public static boolean isCancellation(long res) {
        return res == -Errno.ECANCELED || res == -Errno.EINTR || res == -Errno.ERESTARTSYS;
    }

    /** An errno from an operation on {@code path} (open, unlink, mkdir, stat). */
    public static IOException forPath(int errno, String call, Path path) {
        int e = Math.abs(errno);
        String file = path == null ? null : path.toString();
        return switch (e) {
            case Errno.ENOENT -> new NoSuchFileException(file);
            case Errno.EACCES, Errno.EPERM -> new AccessDeniedException(file);
            case Errno.EEXIST -> new FileAlreadyExistsException(file);
            case Errno.ENOTEMPTY -> new DirectoryNotEmptyException(file);
            case Errno.ELOOP -> new FileSystemException(file, null,
                    describe(e) + " or unable to access attributes of symbolic link");
            default -> new FileSystemException(file, null, describe(e) + " (" + call + ")");
        };
    }

    /** An errno from a call on two paths (a rename), named as the JDK names both: the source, then the target. */
    public static IOException forPaths(int errno, String call, Path source, Path target) {
        int e = Math.abs(errno);
        String file = source.toString(), other = target.toString();
        return switch (e) {
            case Errno.ENOENT -> new NoSuchFileException(file, other, null);
            case Errno.EACCES, Errno.EPERM -> new AccessDeniedException(file, other, null);
            case Errno.EEXIST -> new FileAlreadyExistsException(file, other, null);
            case Errno.ENOTEMPTY -> new DirectoryNotEmptyException(other);
            default -> new FileSystemException(file, other, describe(e) + " (" + call + ")");
        };
    }

    /** An errno from I/O on an open fd. */
    public static IOException forFd(int errno, String call, int fd, Path path) {
        int e = Math.abs(errno);
        String where = path == null ? "fd " + fd : path + " (fd " + fd + ")";
        return new IOException(call + " " + where + ": " + describe(e));
    }

    /**
     * What a file channel's call throws for the result {@code res} it got
     * while the channel was {@code open} and the caller {@code interrupted};
     * null when the result stands: a count, -1 at EOF, or an outcome that
     * {@code end} reports (a cancellation after close, anything once
     * interrupted). EBADF after close is a {@link ClosedChannelException}.
     */
    public static IOException forFdResult(long res, String call, int fd, Path path, boolean open, boolean interrupted) {
        if (res >= -1 || !open && isCancellation(res) || interrupted) return null;
        if (res == -Errno.EBADF && !open) return new ClosedChannelException();
        return forFd((int) res, call, fd, path);
    }

    /**
     * errno to the exceptions the JDK's socket channels throw, with the JDK's
     * messages. A read's reset is a {@link ConnectionResetException}, as the
     * JDK's dispatcher reports it to {@code SocketChannelImpl} and
     * {@code NioSocketImpl}, which remember it; a write's EPIPE and ECONNRESET
     * are the plain {@code IOException} with the C library's text that
     * {@code IOUtil.write} throws ({@code NioSocketImpl} makes a
     * {@code SocketException} of it).
     */
    public static IOException forSocket(int errno, String call) {
        int e = Math.abs(errno);
        boolean write = call.equals("write");
        return switch (e) {
            case Errno.ECONNREFUSED -> new ConnectException("Connection refused");
            case Errno.ETIMEDOUT -> call.equals("connect") ? new ConnectException("Connection timed out")
                    : new SocketException("Connection timed out");
            case Errno.EHOSTUNREACH, ENETUNREACH -> new NoRouteToHostException("No route to host");
            case Errno.ECONNRESET -> call.equals("read") ? new ConnectionResetException()
                    : write ? new IOException("Connection reset by peer") : new SocketException("Connection reset");
            case Errno.EPIPE -> write ? new IOException("Broken pipe") : new SocketException("Broken pipe");
            case EADDRINUSE -> new BindException("Address already in use");
            case EADDRNOTAVAIL -> new BindException("Cannot assign requested address");
            case Errno.EACCES -> call.equals("bind") ? new BindException("Permission denied")
                    : new SocketException("Permission denied");
            default -> new SocketException(call + ": " + describe(e));
        };
    }

    /**
     * What a socket's {@code call} throws for the kernel's result {@code res}
     * it got while the socket was {@code open} and the caller {@code interrupted};
     * null when the result stands (a count, 0 at EOF or for a call's success)
     * or is left to {@code end} (a cancellation after close, anything once
     * interrupted). A socket's results are the kernel's, so -1 is
     * {@code -EPERM} (a firewall refusing a connect, accept or send), not EOF.
     * The linked timeout's {@code -ECANCELED} is a {@link SocketTimeoutException}
     * ({@code timeoutArmed}: the call had one), any other cancellation of a
     * socket still open a {@link ClosedChannelException}, but for a connect's,
     * which reports its errno.
     */
    public static IOException forSocketResult(long res, String call, boolean timeoutArmed, boolean open,
                                              boolean interrupted) {
        if (res >= 0 || !open && isCancellation(res) || interrupted) return null;
        boolean connect = call.equals("connect");
        if (res == -Errno.ECANCELED && timeoutArmed) {
            return new SocketTimeoutException(switch (call) {
                case "connect" -> "Connect timed out";
                case "accept" -> "Accept timed out";
                default -> "Read timed out";
            });
        }
        if (isCancellation(res) && !connect) return new ClosedChannelException();
        return forSocket((int) res, call);
    }

    /** "Is a directory (EISDIR)": the C library's text, then the symbolic name. */
    static String describe(int errno) {
        String text = switch (errno) {
            case Errno.EPERM -> "Operation not permitted";
            case Errno.ENOENT -> "No such file or directory";
            case Errno.EINTR -> "Interrupted system call";
            case Errno.EIO -> "Input/output error";
            case Errno.EBADF -> "Bad file descriptor";
            case Errno.EAGAIN -> "Resource temporarily unavailable";
            case Errno.ENOMEM -> "Cannot allocate memory";
            case Errno.EACCES -> "Permission denied";
            case Errno.EFAULT -> "Bad address";
            case Errno.EBUSY -> "Device or resource busy";
            case Errno.EEXIST -> "File exists";
            case Errno.EXDEV -> "Invalid cross-device link";
            case Errno.ENOTDIR -> "Not a directory";
            case Errno.EISDIR -> "Is a directory";
            case Errno.EINVAL -> "Invalid argument";
            case Errno.ENFILE -> "Too many open files in system";
            case Errno.EMFILE -> "Too many open files";
            case Errno.ENOSPC -> "No space left on device";
            case Errno.ESPIPE -> "Illegal seek";
            case Errno.EPIPE -> "Broken pipe";
            case Errno.ENOTEMPTY -> "Directory not empty";
            case Errno.ELOOP -> "Too many levels of symbolic links";
            case Errno.EOPNOTSUPP -> "Operation not supported";
            case Errno.ECANCELED -> "Operation canceled";
            case Errno.ENXIO -> "No such device or address";
            case Errno.E2BIG -> "Argument list too long";
            case Errno.ENODEV -> "No such device";
            case Errno.ETXTBSY -> "Text file busy";
            case Errno.EFBIG -> "File too large";
            case Errno.EROFS -> "Read-only file system";
            case Errno.EMLINK -> "Too many links";
            case Errno.ENAMETOOLONG -> "File name too long";
            case Errno.EOVERFLOW -> "Value too large for defined data type";
            case Errno.ESTALE -> "Stale file handle";
            case Errno.EDQUOT -> "Disk quota exceeded";
            case Errno.ENOSYS -> "Function not implemented";
            case Errno.ETIME -> "Timer expired";
            case Errno.EBADR -> "Invalid request descriptor";
            case Errno.ECONNRESET -> "Connection reset by peer";
            case Errno.ENOTCONN -> "Transport endpoint is not connected";
            case Errno.ETIMEDOUT -> "Connection timed out";
            case Errno.ECONNREFUSED -> "Connection refused";
            case Errno.EHOSTUNREACH -> "No route to host";
            case Errno.EALREADY -> "Operation already in progress";
            default -> "error";
        };
        return text + " (" + Errno.name(errno) + ")";
    }
}
