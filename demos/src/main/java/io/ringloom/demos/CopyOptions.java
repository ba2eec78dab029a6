package io.ringloom.demos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ringcopy's command line, parsed and checked: what to copy where, and how.
 * {@link #help} set means {@code -h}/{@code --help} was given and nothing else
 * was looked at.
 */
record CopyOptions(boolean recursive, boolean preserve, boolean hardLinks, boolean dereference, boolean force,
                   boolean sync, boolean verify, boolean failFast, boolean progress, boolean quiet, int jobs, int depth,
                   List<Path> sources, Path destination, boolean help) {
    static final int DEFAULT_JOBS = 64;
    static final int DEFAULT_DEPTH = 8;

    static final String USAGE_TEXT = """
            usage: ringloom copy [options] SRC... DST
              -r, --recursive    copy directories recursively
              -p, --preserve     keep mode (set-id and sticky bits too), owner and group
                                 (as far as allowed), modification and access times
              -a, --archive      -r -p, symbolic links copied as links, hard links kept
              -L, --dereference  follow symbolic links in the sources
              -f, --force        replace existing destination files
                  --sync         fsync every file before it is given its name
                  --verify       re-read source and copy and compare their SHA-256
                  --fail-fast    stop at the first failed path
                  --progress     show the progress line even when not on a terminal
                  --jobs N       jobs in flight at once (default JOBS), each copying up to
                                 32 files of one folder, one after another
                  --depth N      chunks in flight for one large file (default DEPTH)
              -q, --quiet        no summary
            Short options go together (-rf). Symbolic links are copied as links unless -L.
            Files that are hard links of one another are copied as links of one copy with -a,
            as separate files without. FIFOs, sockets and devices are skipped with a warning.
            Exit status: 0 all copied, 1 some path failed, 2 usage."""
            // not String.formatted: its Formatter costs the command ~5 ms of start-up
            .replace("JOBS", Integer.toString(DEFAULT_JOBS)).replace("DEPTH", Integer.toString(DEFAULT_DEPTH));

    private static final CopyOptions HELP = new CopyOptions(false, false, false, false, false, false, false, false, false,
            false, DEFAULT_JOBS, DEFAULT_DEPTH, List.of(), null, true);

    /** Parses {@code args} as {@code cp} would; an IllegalArgumentException says what is wrong. */
    static CopyOptions parse(String[] args) {
        args = separated(args);
        boolean recursive = false, preserve = false, hardLinks = false, dereference = false, force = false, sync = false;
        boolean verify = false, failFast = false, progress = false, quiet = false;
        int jobs = DEFAULT_JOBS, depth = DEFAULT_DEPTH;
        List<String> paths = new ArrayList<>();
        boolean onlyPaths = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (onlyPaths || !a.startsWith("-") || a.equals("-")) {
                paths.add(a);
                continue;
            }
            switch (a) {
                case "--" -> onlyPaths = true;
                case "-r", "-R", "--recursive" -> recursive = true;
                case "-p", "--preserve" -> preserve = true;
                case "-a", "--archive" -> { recursive = true; preserve = true; hardLinks = true; }
                case "-L", "--dereference" -> dereference = true;
                case "-f", "--force" -> force = true;
                case "--sync" -> sync = true;
                case "--verify" -> verify = true;
                case "--fail-fast" -> failFast = true;
                case "--progress" -> progress = true;
                case "-q", "--quiet" -> quiet = true;
                case "--jobs" -> jobs = positive(args, ++i, a);
                case "--depth" -> depth = positive(args, ++i, a);
                case "-h", "--help" -> { return HELP; }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (paths.size() < 2) throw new IllegalArgumentException("needs a source and a destination");
        List<Path> sources = paths.subList(0, paths.size() - 1).stream().map(Path::of).toList();
        return new CopyOptions(recursive, preserve, hardLinks, dereference, force, sync, verify, failFast, progress, quiet,
                jobs, depth, sources, Path.of(paths.getLast()), false);
    }

    /**
     * {@code args} with each group of short options ({@code -rf}, {@code -aq}) written as
     * one option each, as cp takes them; nothing after {@code --} or after an option that
     * takes a number is touched.
     */
    private static String[] separated(String[] args) {
        List<String> out = new ArrayList<>(args.length);
        boolean onlyPaths = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!onlyPaths && a.length() > 2 && a.charAt(0) == '-' && a.charAt(1) != '-'
                    && a.chars().skip(1).allMatch(Character::isLetter)) {
                for (int j = 1; j < a.length(); j++) out.add("-" + a.charAt(j));
                continue;
            }
            out.add(a);
            if (onlyPaths) continue;
            if (a.equals("--")) onlyPaths = true;
            else if ((a.equals("--jobs") || a.equals("--depth")) && i + 1 < args.length) out.add(args[++i]);
        }
        return out.toArray(String[]::new);
    }

    private static int positive(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a number");
        try {
            int n = Integer.parseInt(args[i]);
            if (n <= 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a positive number, not '" + args[i] + "'");
        }
    }
}
