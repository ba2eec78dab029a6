package io.ringloom.rings.sys;

import io.ringloom.rings.Config;

/**
 * The whole native surface of Ringloom: the io_uring syscalls and the few
 * plain ones around them. Two implementations exist
 * (docs/DESIGN.md, "Native backends"): {@link FfmSysCalls}, the default, and
 * {@link JnrSysCalls}, selected with {@code -Dringloom.native=jnr}. Nothing
 * else in Ringloom calls native code.
 *
 * <p>Every method follows the kernel's convention: a non-negative result, or
 * {@code -errno}. Addresses are raw native addresses; callers pass only
 * addresses of {@code MemorySegment}s they keep alive for the call.
 */
public interface SysCalls {

    /** {@code io_uring_setup(2)}: returns the ring fd. */
    int ioUringSetup(int entries, long paramsAddress);

    /** {@code io_uring_enter(2)}; {@code argSize} is the sixth argument (sigset or ext-arg size). */
    int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argSize);

    /** {@code io_uring_register(2)}. */
    int ioUringRegister(int ringFd, int opcode, long argAddress, int nrArgs);

    /** {@code mmap(2)}: the mapping's address, or {@code -errno}. */
    long mmap(long address, long length, int prot, int flags, int fd, long offset);

    int munmap(long address, long length);

    int close(int fd);

    /** {@code eventfd(2)}: returns the new fd. */
    int eventfd(int initialValue, int flags);

    long read(int fd, long bufferAddress, long count);

    long write(int fd, long bufferAddress, long count);

    /** {@code pipe2(2)}: writes two ints at {@code fdsAddress}. */
    int pipe2(long fdsAddress, int flags);

    /** {@code openat(2)}; {@code pathAddress} is a NUL-terminated string. Returns the fd. */
    int openat(int dirFd, long pathAddress, int flags, int mode);

    long pread(int fd, long bufferAddress, long count, long offset);

    long pwrite(int fd, long bufferAddress, long count, long offset);

    /** {@code preadv2(2)}; {@code offset} -1 uses and updates the file position. */
    long preadv2(int fd, long iovAddress, int iovCount, long offset, int flags);

    /** {@code pwritev2(2)}; {@code offset} -1 uses and updates the file position. */
    long pwritev2(int fd, long iovAddress, int iovCount, long offset, int flags);

    long lseek(int fd, long offset, int whence);

    /** {@code fstat(2)} into a {@code struct stat} ({@link io.ringloom.rings.layout.Stat}). */
    int fstat(int fd, long statAddress);

    int ftruncate(int fd, long length);

    /** {@code fstatfs(2)}; {@code f_type} is the first 8 bytes of {@code struct statfs} (120 bytes). */
    int fstatfs(int fd, long statfsAddress);

    int fsync(int fd);

    int fdatasync(int fd);

    int unlinkat(int dirFd, long pathAddress, int flags);

    int mkdirat(int dirFd, long pathAddress, int mode);

    /** {@code renameat2(2)}; {@code flags} 0 or {@link #RENAME_NOREPLACE}. */
    int renameat2(int oldDirFd, long oldPathAddress, int newDirFd, long newPathAddress, int flags);

    /** {@code linkat(2)}; {@code flags} 0, {@link #AT_SYMLINK_FOLLOW} or {@link #AT_EMPTY_PATH}. */
    int linkat(int oldDirFd, long oldPathAddress, int newDirFd, long newPathAddress, int flags);

    /** {@code fchmod(2)}: the mode bits of an open file. */
    int fchmod(int fd, int mode);

    /** {@code fchown(2)}: the owner and group of an open file; -1 leaves that one as it is. */
    int fchown(int fd, int uid, int gid);

    /**
     * {@code futimens(3)}, that is {@code utimensat(fd, NULL, times, 0)}: the access
     * and modification times of an open file from {@code struct timespec[2]}
     * (access first; a {@code tv_nsec} of {@link #UTIME_OMIT} leaves that time alone).
     */
    int futimens(int fd, long timesAddress);

    /** {@code posix_fadvise(2)}: returns 0 or {@code -errno} (it does not use errno itself). */
    int posixFadvise(int fd, long offset, long length, int advice);

    /**
     * {@code copy_file_range(2)} (4.5; across file systems of one type since 5.19):
     * copies in the kernel from {@code fdIn} to {@code fdOut}. Each offset address
     * points at a {@code loff_t} used and advanced instead of the fd's position
     * (0: the fd's position). Returns the bytes copied, possibly fewer than asked,
     * 0 at the source's EOF.
     */
    long copyFileRange(int fdIn, long offInAddress, int fdOut, long offOutAddress, long length, int flags);

    /**
     * {@code sendfile(2)}: copies in the kernel from {@code inFd}, at the
     * {@code off_t} at {@code offsetAddress} (advanced; the fd's position is left
     * alone), to {@code outFd} at <em>its</em> file position, which advances.
     */
    long sendfile(int outFd, int inFd, long offsetAddress, long count);

    /**
     * {@code cachestat(2)} (6.5, no libc wrapper): the page-cache counts of a
     * range of {@code fd}'s file ({@link io.ringloom.rings.layout.Cachestat}).
     * {@code -ENOSYS} before 6.5; {@code -EPERM} since 6.14 for a file the caller
     * could not open for writing and does not own (mm/filemap.c, {@code can_do_cachestat}).
     */
    int cachestat(int fd, long rangeAddress, long cachestatAddress, int flags);

    /**
     * {@code getdents64(2)}: the next entries of the directory open on {@code fd}, as
     * {@link io.ringloom.rings.layout.Dirent64} records filling up to {@code length}
     * bytes at {@code bufAddress}; the bytes filled, 0 at the end, or {@code -errno}.
     */
    long getdents64(int fd, long bufAddress, long length);

    int socket(int domain, int type, int protocol);

    int bind(int fd, long addrAddress, int addrLen);

    int listen(int fd, int backlog);

    /** {@code accept4(2)}; {@code addrLenAddress} holds the buffer size in, the address size out. */
    int accept4(int fd, long addrAddress, long addrLenAddress, int flags);

    int connect(int fd, long addrAddress, int addrLen);

    int setsockopt(int fd, int level, int name, long valueAddress, int valueLen);

    int getsockopt(int fd, int level, int name, long valueAddress, long valueLenAddress);

    int getsockname(int fd, long addrAddress, long addrLenAddress);

    int getpeername(int fd, long addrAddress, long addrLenAddress);

    int shutdown(int fd, int how);

    long recv(int fd, long bufferAddress, long length, int flags);

    long send(int fd, long bufferAddress, long length, int flags);

    /** {@code poll(2)} on {@code nfds} {@code struct pollfd}; returns the ready count. */
    int poll(long fdsAddress, int nfds, int timeoutMillis);

    /** {@code "ffm"} or {@code "jnr"}. */
    String name();

    /**
     * Makes now what the first call would make on its way (the FFM backend's downcall
     * handle, ~20 ms of generated code), so that another thread can pay for it while
     * the caller's goes on (docs/DESIGN.md, "Start-up").
     */
    default void prepare() {}

    /** The backend chosen by {@code -Dringloom.native} (default {@code ffm}). */
    static SysCalls get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        private Holder() {}

        static final SysCalls INSTANCE = choose(Config.nativeBackend());

        static SysCalls choose(String name) {
            return switch (name) {
                case "ffm" -> new FfmSysCalls();
                case "jnr" -> new JnrSysCalls();
                default -> throw new IllegalArgumentException(
                        "-Dringloom.native must be ffm or jnr, not '" + name + "'");
            };
        }
    }

    // mmap(2) constants (asm-generic/mman-common.h)
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;
    int MAP_PRIVATE = 2;
    int MAP_POPULATE = 0x8000;
    // fcntl.h / eventfd.h
    int O_NONBLOCK = 04000;
    int O_CLOEXEC = 02000000;
    int EFD_CLOEXEC = O_CLOEXEC;
    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_RDWR = 2;
    int O_CREAT = 0100;
    int O_EXCL = 0200;
    int O_NOCTTY = 0400;
    int O_TRUNC = 01000;
    int O_APPEND = 02000;
    int O_DSYNC = 010000;
    int O_DIRECTORY = 0200000;
    int O_NOFOLLOW = 0400000;
    int O_SYNC = 04010000;
    /** open(2): a file with no name in the given folder, until linkat(2) gives it one (3.11; includes O_DIRECTORY). */
    int O_TMPFILE = 020000000 | O_DIRECTORY;
    int AT_FDCWD = -100;
    int AT_REMOVEDIR = 0x200;
    /** linkat(2): follow {@code oldpath} if it is a symbolic link (such as /proc/self/fd/N). */
    int AT_SYMLINK_FOLLOW = 0x400;
    /** linkat(2): an empty {@code oldpath} names the file open on {@code olddirfd} itself. */
    int AT_EMPTY_PATH = 0x1000;
    /** renameat2(2): fail with EEXIST rather than replace the target (linux/fs.h, 3.15). */
    int RENAME_NOREPLACE = 1;
    /** utimensat(2): leave this time as it is (linux/stat.h). */
    long UTIME_OMIT = (1L << 30) - 2;
    int SEEK_SET = 0;
    int SEEK_CUR = 1;
    int SEEK_END = 2;
    int SEEK_DATA = 3;
    int SEEK_HOLE = 4;
    /** preadv2/pwritev2: fail with EAGAIN instead of blocking (4.14). */
    int RWF_NOWAIT = 0x8;
    int POSIX_FADV_DONTNEED = 4;
    /** The x86-64 syscall number of cachestat (arch/x86/entry/syscalls/syscall_64.tbl). */
    long SYS_CACHESTAT = 451;
    /** The x86-64 syscall number of getdents64 (glibc's wrapper came only in 2.30). */
    long SYS_GETDENTS64 = 217;
    // sockets (bits/socket.h, netinet/in.h, netinet/tcp.h)
    int AF_INET = 2;
    int AF_INET6 = 10;
    int SOCK_STREAM = 1;
    int SOCK_NONBLOCK = O_NONBLOCK;
    int SOCK_CLOEXEC = O_CLOEXEC;
    int SOL_SOCKET = 1;
    int SO_REUSEADDR = 2;
    int SO_ERROR = 4;
    int SO_LINGER = 13;
    int IPPROTO_TCP = 6;
    int IPPROTO_IPV6 = 41;
    int TCP_NODELAY = 1;
    int IPV6_V6ONLY = 26;
    int SHUT_RD = 0;
    int SHUT_WR = 1;
    int SHUT_RDWR = 2;
    int MSG_NOSIGNAL = 0x4000;
    int MSG_DONTWAIT = 0x40;
    short POLLIN = 1;
    short POLLOUT = 4;
    /** statfs f_type of tmpfs and ramfs (linux/magic.h): reads and writes there never wait for a device. */
    long TMPFS_MAGIC = 0x01021994L;
    long RAMFS_MAGIC = 0x858458f6L;
    /** statfs f_type of local disk file systems (linux/magic.h): ext2/3/4, XFS, btrfs, F2FS, overlayfs. */
    long EXT4_SUPER_MAGIC = 0xef53L;
    long XFS_SUPER_MAGIC = 0x58465342L;
    long BTRFS_SUPER_MAGIC = 0x9123683eL;
    long F2FS_SUPER_MAGIC = 0xf2f52010L;
    long OVERLAYFS_SUPER_MAGIC = 0x794c7630L;
}
