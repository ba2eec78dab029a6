package io.ringloom.demos;

/** The demos' exit statuses, as their usage texts document them. */
final class ExitStatus {
    private ExitStatus() {}

    static final int OK = 0;
    /** Some paths failed; the rest was done. */
    static final int FAILED = 1;
    /** Bad command line, or a destination that cannot be one. */
    static final int USAGE = 2;
}
