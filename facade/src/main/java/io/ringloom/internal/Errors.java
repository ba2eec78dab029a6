package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one place where an errno becomes an exception, as the JDK's
 * {@code UnixException.translateToIOException} does for paths: the same types,
 * messages that name the call, the path or fd, and the errno by name.
 */
public final class Errors {
    private Errors() {}

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

    /** An errno from I/O on an open fd. */
    public static IOException forFd(int errno, String call, int fd, Path path) {
        int e = Math.abs(errno);
        String where = path == null ? "fd " + fd : path + " (fd " + fd + ")";
        return new IOException(call + " " + where + ": " + describe(e));
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
            default -> "error";
        };
        return text + " (" + Errno.name(errno) + ")";
    }
}
