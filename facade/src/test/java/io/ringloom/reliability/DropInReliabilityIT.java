package io.ringloom.reliability;

import io.ringloom.reliability.ChildJvm.Mode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The reliability suite's drop-in form (issue 17): each scenario is an
 * application that knows only the JDK's types ({@code io.ringloom.reliability.dropin}),
 * run in a child JVM started with the options of {@code ./ringloom jvm-flags}
 * ({@link Mode#RINGS}), and again with io_uring refused by the kernel
 * ({@link Mode#REFUSED}: scenario 6, where it must behave as on the plain JDK).
 * Each child prints its {@code reliability/dropin-<name>:} line, printed here
 * too, and the test asserts it ran to its end with no failure.
 *
 * <p>{@code -Dringloom.dropin.modes=RINGS,REFUSED,JDK} adds the plain JDK, a
 * control that shows the scenarios' expectations are the JDK's own.
 */
@Tag(Reliability.TAG)
class DropInReliabilityIT {
    @TempDir
    Path dir;

    @BeforeAll
    static void childJvmsChooseTheirOwnMode() {
        // The facade's suite runs again with -Dringloom.fallback=true; these children never inherit it.
        assumeFalse(Reliability.FALLBACK, "run once, in the ring execution: each child JVM chooses its own mode");
    }

    static Stream<Mode> modes() {
        return Arrays.stream(System.getProperty("ringloom.dropin.modes", "RINGS,REFUSED").split(","))
                .map(String::trim).map(Mode::valueOf);
    }

    /** Scenario 1, interrupts: {@link io.ringloom.reliability.dropin.InterruptStorm}. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void interruptStorm(Mode mode) throws Exception {
        ChildJvm.run(mode, "interrupt-storm", dir, Duration.ofMinutes(Reliability.LONG ? 10 : 3)).assertClean();
    }
}
