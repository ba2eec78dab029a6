package io.ringloom.rings.carrier;

import io.ringloom.rings.UserData;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

import static io.ringloom.rings.sys.IoUring.IORING_CQE_F_MORE;

/**
 * One carrier's operations in flight, by slot. An op's {@code user_data} is
 * its slot index and the slot's generation ({@link UserData}); a slot's
 * generation moves on each time it is freed, so a CQE that names a freed or
 * reused slot is caught rather than routed to the wrong op. Completions are
 * never routed by fd.
 *
 * <p>Carrier only, but for {@link #inFlightOpaque()}.
 */
final class OpTable {
    private static final VarHandle IN_FLIGHT;
    static final int INITIAL_SLOTS = 64;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(OpTable.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Something done to each op in flight; may push SQEs, and so reap. */
    @FunctionalInterface
    interface OpAction {
        void apply(Op op) throws IOException;
    }

    private final String owner;                           // names the carrier in errors
    private Op[] slots = new Op[INITIAL_SLOTS];           // ops by slot index
    private int[] generations = new int[INITIAL_SLOTS];   // per-slot generation
    private int[] freeSlots = new int[INITIAL_SLOTS];     // stack of free slot indexes
    private int freeCount;
    private int inFlight;                                 // ops between add and final CQE; stats read it opaquely

    OpTable(String owner) {
        this.owner = owner;
        for (int i = 0; i < freeSlots.length; i++) freeSlots[i] = freeSlots.length - 1 - i;
        freeCount = freeSlots.length;
    }

    /** Puts {@code op} in a free slot (growing the table if none is) and returns its user_data. */
    long add(Op op) {
        if (freeCount == 0) {
            int old = slots.length;
            slots = Arrays.copyOf(slots, old * 2);
            generations = Arrays.copyOf(generations, old * 2);
            freeSlots = Arrays.copyOf(freeSlots, old * 2);
            for (int i = old * 2 - 1; i >= old; i--) freeSlots[freeCount++] = i;
        }
        int index = freeSlots[--freeCount];
        assert slots[index] == null;
        slots[index] = op;
        inFlight++;
        return UserData.pack(UserData.KIND_OP, generations[index], index);
    }

    /** Takes back the slot of an op whose SQE never reached the ring. */
    void remove(long userData) {
        int index = UserData.index(userData);
        assert slots[index] != null && generations[index] == UserData.generation(userData);
        free(index);
    }

    /**
     * Routes a {@link UserData#KIND_OP} CQE: its op's final CQE (no
     * {@code IORING_CQE_F_MORE}) frees the slot and completes the op.
     *
     * @throws IllegalStateException when no op in flight has {@code userData}
     */
    void complete(long userData, int res, int flags) {
        int index = UserData.index(userData);
        Op op = index >= 0 && index < slots.length ? slots[index] : null;
        if (op == null || generations[index] != UserData.generation(userData)) {
            throw new IllegalStateException(owner + ": CQE for unknown op " + Long.toHexString(userData));
        }
        if ((flags & IORING_CQE_F_MORE) != 0) {
            return;
        }
        free(index);
        op.complete(res);
    }

    /** Applies {@code failOnClose} to every op in flight: the pool's close is past its grace. */
    void failAll(OpAction failOnClose) throws IOException {
        for (Op op : slots) {
            if (op != null) failOnClose.apply(op);
        }
    }

    private void free(int index) {
        slots[index] = null;
        generations[index] = (generations[index] + 1) & UserData.GENERATION_MASK;
        freeSlots[freeCount++] = index;
        inFlight--;
    }

    int inFlight() {
        return inFlight;
    }

    /** {@link #inFlight()} from any thread: racy, never torn. */
    int inFlightOpaque() {
        return (int) IN_FLIGHT.getOpaque(this);
    }
}
