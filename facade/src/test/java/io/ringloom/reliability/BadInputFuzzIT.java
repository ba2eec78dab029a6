package io.ringloom.reliability;

import io.ringloom.CarrierPool;
import io.ringloom.RingFiles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static io.ringloom.reliability.Reliability.scaled;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Scenario 6 of issue 7: random calls with random positions, lengths, buffer
 * kinds, offsets and limits, on read-only, write-only, read-write, append and
 * closed channels, made on the JDK's FileChannel and on Ringloom's with the
 * same inputs. Each must give the same result or the same exception, leave
 * its buffers, channel position and file the same, and change no byte
 * outside the buffer region it was given: every buffer sits between guard
 * bytes, and the bytes outside [position, limit) are checked too.
 *
 * <p>Ringloom's side runs on a pool thread (the ring) for most cases and on a
 * platform thread (plain syscalls) for the rest; files live on the disk and
 * on tmpfs, which Ringloom reads without the ring. The seed is printed: set
 * {@code -Dringloom.fuzz.seed} to replay a run.
 */
@Tag(Reliability.TAG)
class BadInputFuzzIT {
    private static final int GUARD = 64;
    private static final long[] SPECIAL_POSITIONS = {
            -1, -4096, Long.MIN_VALUE, Integer.MAX_VALUE, 1L << 31, 1L << 40, Long.MAX_VALUE, Long.MAX_VALUE - 8};

    @TempDir
    Path diskDir;

    private CarrierPool pool;
    private Random rnd;
    private final List<String> failures = new ArrayList<>();

    @Test
    void ringloomAnswersRandomCallsExactlyAsTheJdkDoes() throws Exception {
        int cases = scaled(20_000, 500_000);
        long seed = Long.getLong("ringloom.fuzz.seed", System.nanoTime());
        rnd = new Random(seed);
        Map<Integer, String> fdsBefore = Reliability.fdsBefore();
        pool = Reliability.pool("fuzz");
        Path shm = Path.of("/dev/shm");
        Path memDir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "fuzz") : diskDir;
        int exceptions = 0, onPool = 0, ran = 0;
        try {
            for (int i = 0; i < cases && failures.size() < 10; i++) {
                Path dir = i % 2 == 0 ? diskDir : memDir;
                Case c = new Case(i, dir);
                c.prepareFiles();
                Outcome jdk = c.run(false, false);
                boolean pooled = rnd.nextInt(4) != 0;
                if (pooled) onPool++;
                Outcome ring = c.run(true, pooled);
                if (jdk.thrown != null) exceptions++;
                c.compare(jdk, ring);
                ran++;
            }
        } finally {
            if (memDir != diskDir) {
                try (var files = Files.list(memDir)) {
                    for (Path p : (Iterable<Path>) files::iterator) Files.delete(p);
                }
                Files.delete(memDir);
            }
            Reliability.closeAndCheck(pool, fdsBefore);
        }
        Reliability.report("bad-input-fuzz",
                "%,d random calls (seed %d) on the JDK and on Ringloom (%,d on a pool thread, %,d on a platform thread: plain syscalls), "
                        + "%,d of them threw, guard bytes around every buffer, %d mismatches or changed guards",
                ran, seed, onPool, ran - onPool, exceptions, failures.size());
        assertEquals(List.of(), failures.stream().limit(5).toList(), "seed " + seed);
    }

    /** What one call did: its result or exception, and the state it left. */
    private record Outcome(String result, Class<?> thrown, String thrownMessage, long position, long size,
                           List<byte[]> backings, List<String> bufferStates, byte[] file) {}

    /** One random call, made the same way on both implementations. */
    private final class Case {
        final int index;
        final Path jdkFile, ringFile;
        final byte[] initialContent;
        final Mode mode;
        final long startPosition;
        final Op op;
        final List<BufferSpec> buffers = new ArrayList<>();
        final long position, count;
        final int offset, length;
        final boolean nullBuffer;

        Case(int index, Path dir) {
            this.index = index;
            jdkFile = dir.resolve("jdk");
            ringFile = dir.resolve("ring");
            initialContent = new byte[rnd.nextInt(8) == 0 ? 0 : rnd.nextInt(8192)];
            rnd.nextBytes(initialContent);
            mode = Mode.values()[rnd.nextInt(Mode.values().length)];
            startPosition = rnd.nextInt(10) == 0 ? initialContent.length + rnd.nextInt(100) : rnd.nextInt(initialContent.length + 1);
            op = Op.values()[rnd.nextInt(Op.values().length)];
            int n = op.scatter ? rnd.nextInt(5) : 1;
            for (int b = 0; b < n; b++) buffers.add(new BufferSpec(rnd));
            position = randomPosition(op.writes);
            count = rnd.nextInt(6) == 0 ? SPECIAL_POSITIONS[rnd.nextInt(SPECIAL_POSITIONS.length)] : rnd.nextInt(10_000);
            offset = rnd.nextInt(8) == 0 ? rnd.nextInt(-2, n + 3) : rnd.nextInt(n + 1);
            length = rnd.nextInt(8) == 0 ? rnd.nextInt(-2, n + 3) : rnd.nextInt(n - Math.min(offset, n) + 1);
            nullBuffer = rnd.nextInt(100) == 0;
        }

        /** Mostly inside or just past the file; sometimes a negative or huge one (never a huge write that would succeed). */
        private long randomPosition(boolean writes) {
            if (rnd.nextInt(6) == 0) {
                long p = SPECIAL_POSITIONS[rnd.nextInt(SPECIAL_POSITIONS.length)];
                if (!writes || p < 0 || p > (1L << 62)) return p;
            }
            return rnd.nextInt(initialContent.length + 200);
        }

        void prepareFiles() throws IOException {
            Files.write(jdkFile, initialContent);
            Files.write(ringFile, initialContent);
        }

        Outcome run(boolean ringloom, boolean onPool) throws Exception {
            List<ByteBuffer> views = new ArrayList<>();
            List<Object> backings = new ArrayList<>();
            for (BufferSpec spec : buffers) {
                Object backing = spec.newBacking();
                backings.add(backing);
                views.add(spec.view(backing));
            }
            Path file = ringloom ? ringFile : jdkFile;
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            AtomicReference<Throwable> broke = new AtomicReference<>();
            Runnable body = () -> {
                try {
                    outcome.set(call(ringloom, file, views, backings));
                } catch (Throwable e) {
                    broke.set(e);
                }
            };
            Thread t = onPool ? pool.startVirtualThread(body) : Thread.ofPlatform().start(body);
            t.join(30_000);
            if (t.isAlive()) throw new AssertionError("case " + index + " still running after 30 s: " + this);
            if (broke.get() != null) throw new AssertionError("case " + index + ": " + this, broke.get());
            return outcome.get();
        }

        private Outcome call(boolean ringloom, Path file, List<ByteBuffer> views, List<Object> backings) throws IOException {
            OpenOption[] options = mode.options;
            FileChannel ch = ringloom ? RingFiles.open(file, options) : FileChannel.open(file, options);
            String result;
            Throwable thrown = null;
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            try {
                if (mode != Mode.APPEND) ch.position(startPosition);
                if (mode == Mode.CLOSED) ch.close();
                ByteBuffer one = nullBuffer ? null : views.isEmpty() ? null : views.getFirst();
                ByteBuffer[] many = views.toArray(ByteBuffer[]::new);
                if (nullBuffer && many.length > 0) many[rnd(many.length)] = null;
                result = switch (op) {
                    case READ -> String.valueOf(ch.read(one));
                    case READ_AT -> String.valueOf(ch.read(one, position));
                    case WRITE -> String.valueOf(ch.write(one));
                    case WRITE_AT -> String.valueOf(ch.write(one, position));
                    case READ_SCATTER -> String.valueOf(ch.read(many, offset, length));
                    case WRITE_GATHER -> String.valueOf(ch.write(many, offset, length));
                    case POSITION -> String.valueOf(ch.position(position).position());
                    case TRUNCATE -> String.valueOf(ch.truncate(position).size());
                    case SIZE -> String.valueOf(ch.size());
                    case FORCE -> {
                        ch.force(position % 2 == 0);
                        yield "forced";
                    }
                    case TRANSFER_TO -> ch.transferTo(position, count, Channels.newChannel(sink)) + " " + sink.size();
                    case TRANSFER_FROM -> String.valueOf(ch.transferFrom(
                            Channels.newChannel(new java.io.ByteArrayInputStream(initialContent, 0, (int) Math.min(initialContent.length, Math.max(0, count)))),
                            position, count));
                };
            } catch (Exception e) {
                result = null;
                thrown = e;
            }
            long pos = -1, size = -1;
            if (ch.isOpen()) {
                pos = ch.position();
                size = ch.size();
                ch.close();
            }
            List<byte[]> backingBytes = new ArrayList<>();
            List<String> states = new ArrayList<>();
            for (int b = 0; b < views.size(); b++) {
                backingBytes.add(BufferSpec.bytesOf(backings.get(b)));
                ByteBuffer v = views.get(b);
                states.add(v.position() + "/" + v.limit() + "/" + v.capacity());
            }
            backingBytes.add(sink.toByteArray());
            return new Outcome(result, thrown == null ? null : thrown.getClass(), thrown == null ? null : thrown.getMessage(),
                    pos, size, backingBytes, states, fingerprint(file));
        }

        /**
         * The file's bytes; for a huge sparse one (tmpfs takes a write near
         * Long.MAX_VALUE) its size and the bytes at both ends.
         */
        private static byte[] fingerprint(Path file) throws IOException {
            long size = Files.size(file);
            if (size <= (1 << 20)) return Files.readAllBytes(file);
            try (FileChannel ch = FileChannel.open(file, READ)) {
                ByteBuffer b = ByteBuffer.allocate(8 + 2 * 4096).putLong(size);
                ch.read(b.limit(8 + 4096), 0);
                ch.read(b.limit(b.capacity()), size - 4096);
                return b.array();
            }
        }

        /** The same choice on both sides: derived from the case, not from the shared random source. */
        private int rnd(int bound) {
            return Math.floorMod(index * 31 + 7, bound);
        }

        void compare(Outcome jdk, Outcome ring) {
            check("result", jdk.result, ring.result);
            check("exception", jdk.thrown, ring.thrown);
            check("position after", jdk.position, ring.position);
            check("size after", jdk.size, ring.size);
            check("buffer states", jdk.bufferStates, ring.bufferStates);
            if (!Arrays.equals(jdk.file, ring.file)) fail("file contents differ");
            for (int b = 0; b < jdk.backings.size(); b++) {
                if (!Arrays.equals(jdk.backings.get(b), ring.backings.get(b))) {
                    fail("buffer " + b + " differs (its region or its guard bytes)");
                }
            }
            for (int b = 0; b < buffers.size(); b++) {
                String where = buffers.get(b).changedOutsideRegion(ring.backings.get(b));
                if (where != null) fail("buffer " + b + ": " + where);
            }
        }

        private void check(String what, Object jdk, Object ring) {
            if (!Objects.equals(jdk, ring)) fail(what + ": JDK " + jdk + ", Ringloom " + ring);
        }

        private void fail(String what) {
            failures.add("case " + index + " " + this + ": " + what);
        }

        @Override
        public String toString() {
            return "[" + op + " on " + mode + " channel at " + startPosition + " of " + initialContent.length
                    + " bytes, position " + position + ", count " + count + ", offset " + offset + ", length " + length
                    + (nullBuffer ? ", a null buffer" : "") + ", buffers " + buffers + "]";
        }
    }

    private enum Mode {
        READ_ONLY(READ), WRITE_ONLY(WRITE), READ_WRITE(READ, WRITE), APPEND(WRITE, java.nio.file.StandardOpenOption.APPEND),
        CLOSED(READ, WRITE);

        final OpenOption[] options;

        Mode(OpenOption... options) {
            this.options = options;
        }
    }

    private enum Op {
        READ(false, false), READ_AT(false, false), WRITE(false, true), WRITE_AT(false, true),
        READ_SCATTER(true, false), WRITE_GATHER(true, true), POSITION(false, false), TRUNCATE(false, true),
        SIZE(false, false), FORCE(false, false), TRANSFER_TO(false, false), TRANSFER_FROM(false, true);

        final boolean scatter, writes;

        Op(boolean scatter, boolean writes) {
            this.scatter = scatter;
            this.writes = writes;
        }
    }

    /**
     * A buffer between guard bytes: heap or direct, a slice (non-zero array
     * offset) or a wrap of part of an array, sometimes read-only, with a
     * random position and limit. Its backing starts with the same random
     * bytes on both sides.
     */
    private static final class BufferSpec {
        final boolean direct, readOnly, wrapPart;
        final int capacity, position, limit;
        final long fillSeed;

        BufferSpec(Random rnd) {
            direct = rnd.nextBoolean();
            readOnly = rnd.nextInt(6) == 0;
            wrapPart = !direct && rnd.nextBoolean();
            capacity = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(12_000);
            limit = rnd.nextInt(capacity + 1);
            position = rnd.nextInt(limit + 1);
            fillSeed = rnd.nextLong();
        }

        Object newBacking() {
            byte[] bytes = new byte[capacity + 2 * GUARD];
            new Random(fillSeed).nextBytes(bytes);
            if (!direct) return bytes;
            ByteBuffer d = ByteBuffer.allocateDirect(bytes.length);
            d.put(bytes).clear();
            return d;
        }

        ByteBuffer view(Object backing) {
            ByteBuffer b;
            if (direct) {
                b = ((ByteBuffer) backing).slice(GUARD, capacity);
            } else if (wrapPart) {
                // position GUARD + position, limit GUARD + limit: the guard bytes are inside the array, outside [position, limit)
                b = ByteBuffer.wrap((byte[]) backing, GUARD, capacity);
                b.limit(GUARD + limit).position(GUARD + position);
                return readOnly ? b.asReadOnlyBuffer() : b;
            } else {
                b = ByteBuffer.wrap((byte[]) backing).slice(GUARD, capacity);
            }
            b.limit(limit).position(position);
            return readOnly ? b.asReadOnlyBuffer() : b;
        }

        static byte[] bytesOf(Object backing) {
            if (backing instanceof byte[] bytes) return bytes.clone();
            ByteBuffer d = ((ByteBuffer) backing).duplicate().clear();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return bytes;
        }

        /** Where a byte outside [position, limit) of the given region changed, or null. */
        String changedOutsideRegion(byte[] after) {
            byte[] before = new byte[capacity + 2 * GUARD];
            new Random(fillSeed).nextBytes(before);
            int from = GUARD + position, to = GUARD + limit;
            for (int i = 0; i < before.length; i++) {
                if ((i < from || i >= to) && before[i] != after[i]) {
                    return "byte " + (i - GUARD) + " outside [" + position + ", " + limit + ") changed";
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return (direct ? "direct" : wrapPart ? "heap wrap" : "heap slice") + (readOnly ? " read-only" : "")
                    + " " + position + "/" + limit + "/" + capacity;
        }
    }
}
