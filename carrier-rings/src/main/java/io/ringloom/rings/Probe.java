package io.ringloom.rings;

import io.ringloom.rings.sys.IoUring;

import java.util.ArrayList;
import java.util.List;

/** The opcodes the running kernel supports, from {@code IORING_REGISTER_PROBE}. */
public final class Probe {
    private final boolean[] supported;   // indexed by opcode
    private final int lastOp;

    Probe(boolean[] supported, int lastOp) {
        this.supported = supported;
        this.lastOp = lastOp;
    }

    public boolean supports(int opcode) {
        return opcode >= 0 && opcode < supported.length && supported[opcode];
    }

    /** The highest opcode the kernel knows. */
    public int lastOp() {
        return lastOp;
    }

    public List<String> supportedNames() {
        List<String> names = new ArrayList<>();
        for (int op = 0; op < supported.length; op++) {
            if (supported[op]) names.add(IoUring.opName(op));
        }
        return names;
    }
}
