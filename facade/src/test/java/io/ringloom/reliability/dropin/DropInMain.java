package io.ringloom.reliability.dropin;

import java.util.Arrays;

/**
 * The child JVM's entry point for the drop-in reliability suite (issue 17):
 * {@code DropInMain SCENARIO --dir DIR [scenario options]}, started by
 * {@code io.ringloom.reliability.DropInReliabilityIT} with or without the
 * options of {@code ./ringloom jvm-flags}. Each scenario prints its
 * {@code reliability/dropin-<name>:} line and ends with {@code result: failures=N}.
 */
public final class DropInMain {
    private DropInMain() {}

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (scenario) {
            case "interrupt-storm", "many-carriers" -> InterruptStorm.main(scenario, rest);
            case "close-storm" -> CloseStorm.main(scenario, rest);
            case "socket-fuzz" -> SocketFuzz.main(scenario, rest);
            case "selector-mix" -> SelectorMix.main(scenario, rest);
            case "soak" -> Soak.main(scenario, rest);
            case "vthreads-before-agent", "agent-attached-later", "own-socket-factory", "exit-under-traffic" ->
                    Startup.main(scenario, rest);
            default -> throw new IllegalArgumentException("no scenario " + scenario);
        }
    }
}
