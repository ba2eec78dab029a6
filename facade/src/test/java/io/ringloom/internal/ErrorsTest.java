package io.ringloom.internal;

import io.ringloom.rings.sys.Errno;
import org.junit.jupiter.api.Test;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every errno rule of {@link Errors}: types and messages, as the JDK's channels and sockets give them. */
class ErrorsTest {
    private static final Path FILE = Path.of("/tmp/ringloom-errors-test");
    private static final int ENETUNREACH = 101;
    private static final int EADDRINUSE = 98;
    private static final int EADDRNOTAVAIL = 99;

    private static <T extends Throwable> T is(Class<T> type, Throwable e, String message) {
        assertSame(type, e.getClass(), "type of " + e);
        assertEquals(message, e.getMessage());
        return type.cast(e);
    }

    // ------------------------------------------------------------------ paths

    @Test
    void pathErrorsAreTheJdksTypesNamingTheFile() {
        assertEquals(FILE.toString(), is(NoSuchFileException.class, Errors.forPath(-Errno.ENOENT, "openat", FILE), FILE.toString()).getFile());
        is(AccessDeniedException.class, Errors.forPath(-Errno.EACCES, "openat", FILE), FILE.toString());
        is(AccessDeniedException.class, Errors.forPath(-Errno.EPERM, "unlinkat", FILE), FILE.toString());
        is(FileAlreadyExistsException.class, Errors.forPath(-Errno.EEXIST, "mkdirat", FILE), FILE.toString());
        is(DirectoryNotEmptyException.class, Errors.forPath(-Errno.ENOTEMPTY, "unlinkat", FILE), FILE.toString());
    }

    @Test
    void pathLoopAndOtherErrorsAreFileSystemExceptionsWithTheErrnoByName() {
        FileSystemException loop = is(FileSystemException.class, Errors.forPath(-Errno.ELOOP, "openat", FILE),
                FILE + ": Too many levels of symbolic links (ELOOP) or unable to access attributes of symbolic link");
        assertEquals(FILE.toString(), loop.getFile());
        is(FileSystemException.class, Errors.forPath(-Errno.EISDIR, "openat", FILE),
                FILE + ": Is a directory (EISDIR) (openat)");
    }

    @Test
    void errnoSignDoesNotMatter() {
        assertInstanceOf(NoSuchFileException.class, Errors.forPath(Errno.ENOENT, "openat", FILE));
        assertEquals(Errors.forFd(Errno.EIO, "read", 3, null).getMessage(), Errors.forFd(-Errno.EIO, "read", 3, null).getMessage());
        assertEquals(Errors.forSocket(Errno.ECONNRESET, "read").getMessage(), Errors.forSocket(-Errno.ECONNRESET, "read").getMessage());
    }

    // -------------------------------------------------------------------- fds

    @Test
    void fdErrorsNameTheCallThePathTheFdAndTheErrno() {
        is(IOException.class, Errors.forFd(-Errno.EIO, "pread", 7, FILE), "pread " + FILE + " (fd 7): Input/output error (EIO)");
        is(IOException.class, Errors.forFd(-Errno.EISDIR, "read", 7, null), "read fd 7: Is a directory (EISDIR)");
    }

    @Test
    void fdResultsThatStand() {
        for (long res : new long[] {0, 1, 4096, -1}) {
            assertNull(Errors.forFdResult(res, "read", 7, FILE, true, false), "result " + res);
            assertNull(Errors.forFdResult(res, "read", 7, FILE, false, false), "result " + res + " after close");
        }
    }

    @Test
    void fdCancellationAfterCloseIsLeftToEnd() {
        for (int e : new int[] {Errno.ECANCELED, Errno.EINTR, Errno.ERESTARTSYS}) {
            assertNull(Errors.forFdResult(-e, "read", 7, FILE, false, false), Errno.name(e));
        }
    }

    @Test
    void anyFdResultOfAnInterruptedCallIsLeftToEnd() {
        for (int e : new int[] {Errno.ECANCELED, Errno.EIO, Errno.EBADF}) {
            assertNull(Errors.forFdResult(-e, "read", 7, FILE, true, true), Errno.name(e));
        }
    }

    @Test
    void fdCancellationWhileOpenIsAnError() {
        is(IOException.class, Errors.forFdResult(-Errno.ECANCELED, "read", 7, FILE, true, false),
                "read " + FILE + " (fd 7): Operation canceled (ECANCELED)");
    }

    @Test
    void ebadfAfterCloseIsClosedChannel() {
        assertSame(ClosedChannelException.class, Errors.forFdResult(-Errno.EBADF, "write", 7, FILE, false, false).getClass());
        is(IOException.class, Errors.forFdResult(-Errno.EBADF, "write", 7, FILE, true, false),
                "write " + FILE + " (fd 7): Bad file descriptor (EBADF)");
    }

    @Test
    void otherFdResultsAreErrorsNamingTheCall() {
        is(IOException.class, Errors.forFdResult(-Errno.ENOSPC, "pwrite", 7, null, true, false),
                "pwrite fd 7: No space left on device (ENOSPC)");
    }

    // ---------------------------------------------------------------- sockets

    @Test
    void socketErrorsHaveTheJdksTypesAndMessages() {
        is(ConnectException.class, Errors.forSocket(-Errno.ECONNREFUSED, "connect"), "Connection refused");
        is(ConnectException.class, Errors.forSocket(-Errno.ETIMEDOUT, "connect"), "Connection timed out");
        is(SocketException.class, Errors.forSocket(-Errno.ETIMEDOUT, "read"), "Connection timed out");
        is(NoRouteToHostException.class, Errors.forSocket(-Errno.EHOSTUNREACH, "connect"), "No route to host");
        is(NoRouteToHostException.class, Errors.forSocket(-ENETUNREACH, "connect"), "No route to host");
        // a read's reset is remembered by the channel (its own class); a write's errors are IOUtil.write's
        is(ConnectionResetException.class, Errors.forSocket(-Errno.ECONNRESET, "read"), "Connection reset");
        is(IOException.class, Errors.forSocket(-Errno.ECONNRESET, "write"), "Connection reset by peer");
        is(SocketException.class, Errors.forSocket(-Errno.ECONNRESET, "connect"), "Connection reset");
        is(IOException.class, Errors.forSocket(-Errno.EPIPE, "write"), "Broken pipe");
        is(SocketException.class, Errors.forSocket(-Errno.EPIPE, "connect"), "Broken pipe");
        is(BindException.class, Errors.forSocket(-EADDRINUSE, "bind"), "Address already in use");
        is(BindException.class, Errors.forSocket(-EADDRNOTAVAIL, "bind"), "Cannot assign requested address");
        is(BindException.class, Errors.forSocket(-Errno.EACCES, "bind"), "Permission denied");
        is(SocketException.class, Errors.forSocket(-Errno.EACCES, "connect"), "Permission denied");
        is(SocketException.class, Errors.forSocket(-Errno.EMFILE, "accept"), "accept: Too many open files (EMFILE)");
    }

    @Test
    void socketResultsThatStand() {
        for (long res : new long[] {0, 1, 4096}) {
            assertNull(Errors.forSocketResult(res, "read", true, true, false), "result " + res);
            assertNull(Errors.forSocketResult(res, "read", false, false, false), "result " + res + " after close");
        }
    }

    @Test
    void aSocketsMinusOneIsEpermNotEof() {
        is(SocketException.class, Errors.forSocketResult(-Errno.EPERM, "write", false, true, false),
                "write: Operation not permitted (EPERM)");
        is(SocketException.class, Errors.forSocketResult(-Errno.EPERM, "connect", false, true, false),
                "connect: Operation not permitted (EPERM)");
    }

    @Test
    void aConnectsCancellationWithoutTimeoutReportsItsErrno() {
        is(SocketException.class, Errors.forSocketResult(-Errno.EINTR, "connect", false, true, false),
                "connect: Interrupted system call (EINTR)");
    }

    @Test
    void socketLinkedTimeoutIsSocketTimeoutWhileOpen() {
        is(SocketTimeoutException.class, Errors.forSocketResult(-Errno.ECANCELED, "read", true, true, false), "Read timed out");
        is(SocketTimeoutException.class, Errors.forSocketResult(-Errno.ECANCELED, "connect", true, true, false), "Connect timed out");
    }

    @Test
    void socketCancellationAfterCloseOrInterruptIsLeftToEnd() {
        for (int e : new int[] {Errno.ECANCELED, Errno.EINTR, Errno.ERESTARTSYS}) {
            assertNull(Errors.forSocketResult(-e, "read", true, false, false), Errno.name(e));
            assertNull(Errors.forSocketResult(-e, "read", true, true, true), Errno.name(e) + " interrupted");
        }
        assertNull(Errors.forSocketResult(-Errno.ECONNRESET, "read", false, true, true), "anything once interrupted");
    }

    @Test
    void socketCancellationWhileOpenWithoutTimeoutIsClosedChannel() {
        assertSame(ClosedChannelException.class, Errors.forSocketResult(-Errno.ECANCELED, "read", false, true, false).getClass());
        assertSame(ClosedChannelException.class, Errors.forSocketResult(-Errno.EINTR, "write", true, true, false).getClass());
        assertSame(ClosedChannelException.class, Errors.forSocketResult(-Errno.ERESTARTSYS, "accept", false, true, false).getClass());
    }

    @Test
    void otherSocketResultsFollowTheSocketRules() {
        is(ConnectionResetException.class, Errors.forSocketResult(-Errno.ECONNRESET, "read", true, true, false), "Connection reset");
        is(ConnectException.class, Errors.forSocketResult(-Errno.ECONNREFUSED, "connect", false, false, false), "Connection refused");
    }

    @Test
    void cancellationOutcomes() {
        assertTrue(Errors.isCancellation(-Errno.ECANCELED));
        assertTrue(Errors.isCancellation(-Errno.EINTR));
        assertTrue(Errors.isCancellation(-Errno.ERESTARTSYS));
        assertFalse(Errors.isCancellation(-Errno.EAGAIN));
        assertFalse(Errors.isCancellation(0));
        assertFalse(Errors.isCancellation(Errno.ECANCELED));
    }

    /** The texts are the C library's, as the JDK's exceptions give them ({@code strerror}). */
    @Test
    void everyNamedErrnoReadsAsTheCLibrarySaysIt() throws Throwable {
        java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
        java.lang.invoke.MethodHandle strerror = linker.downcallHandle(
                linker.defaultLookup().find("strerror").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS,
                        java.lang.foreign.ValueLayout.JAVA_INT));
        int named = 0;
        for (int e = 1; e < 134; e++) {
            if (Errno.name(e).startsWith("errno ")) continue;
            java.lang.foreign.MemorySegment text = (java.lang.foreign.MemorySegment) strerror.invokeExact(e);
            assertEquals(text.reinterpret(1024).getString(0) + " (" + Errno.name(e) + ")", Errors.describe(e));
            named++;
        }
        assertTrue(named >= 40, "named errnos: " + named);
        assertEquals("error (errno 200)", Errors.describe(200));
    }
}
