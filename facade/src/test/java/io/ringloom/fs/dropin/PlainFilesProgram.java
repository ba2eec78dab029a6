package io.ringloom.fs.dropin;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * An unmodified program: JDK file APIs only, nothing of Ringloom. Run in a
 * child JVM with and without Ringloom's provider; prints one line per step,
 * "CLASS" lines name the implementation classes, every other line must be
 * the same in both runs. Paths are printed relative to the directory given.
 */
public final class PlainFilesProgram {
    private static String dir;

    public static void main(String[] args) throws Exception {
        dir = args[0];
        System.out.println("CLASS provider " + FileSystems.getDefault().provider().getClass().getName());
        Path a = Path.of(dir, "a.txt");
        step("write", () -> Files.write(a, "alpha\nbeta\n".getBytes(StandardCharsets.UTF_8)));
        step("readAllBytes", () -> new String(Files.readAllBytes(a), StandardCharsets.UTF_8));
        step("readString", () -> Files.readString(a));
        step("lines", () -> {
            try (Stream<String> lines = Files.lines(a)) {
                return lines.toList();
            }
        });
        step("copy", () -> Files.copy(a, Path.of(dir, "b.txt")));
        step("mismatch", () -> Files.mismatch(a, Path.of(dir, "b.txt")));
        step("move", () -> Files.move(Path.of(dir, "b.txt"), Path.of(dir, "c.txt")));
        step("moved", () -> Files.exists(Path.of(dir, "b.txt")) + " " + Files.exists(Path.of(dir, "c.txt")));
        step("move onto existing", () -> Files.move(Path.of(dir, "c.txt"), a));
        step("move replace", () -> Files.move(Path.of(dir, "c.txt"), a, StandardCopyOption.REPLACE_EXISTING));
        step("createDirectory", () -> Files.createDirectory(Path.of(dir, "d")));
        step("createDirectory again", () -> Files.createDirectory(Path.of(dir, "d")));
        step("copy into dir", () -> Files.copy(a, Path.of(dir, "d", "a.txt")));
        step("delete non-empty", () -> {
            Files.delete(Path.of(dir, "d"));
            return null;
        });
        step("delete", () -> {
            Files.delete(Path.of(dir, "d", "a.txt"));
            Files.delete(Path.of(dir, "d"));
            return Files.exists(Path.of(dir, "d"));
        });
        step("delete missing", () -> {
            Files.delete(Path.of(dir, "missing"));
            return null;
        });
        step("newInputStream", () -> {
            try (InputStream in = Files.newInputStream(a)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        });
        step("readAllBytes missing", () -> Files.readAllBytes(Path.of(dir, "missing")));
        step("CREATE_NEW existing", () -> FileChannel.open(a, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        try (FileChannel ch = FileChannel.open(a)) {
            System.out.println("CLASS channel " + ch.getClass().getName());
            step("channel read", () -> {
                ByteBuffer buf = ByteBuffer.allocate(5);
                ch.read(buf);
                return new String(buf.array(), StandardCharsets.UTF_8);
            });
            step("channel map", () -> (char) ch.map(FileChannel.MapMode.READ_ONLY, 0, 4).get(3));
            step("channel write read-only", () -> ch.write(ByteBuffer.allocate(1)));
        }
        try (FileChannel ch = FileChannel.open(a, StandardOpenOption.WRITE)) {
            step("channel lock", () -> {
                try (var lock = ch.lock()) {
                    return lock.isValid();
                }
            });
        }
        File file = new File(dir, "a.txt");
        Path fromFile = file.toPath();
        System.out.println("CLASS File.toPath provider " + fromFile.getFileSystem().provider().getClass().getName());
        step("File.toPath read", () -> Files.readString(fromFile).length());
        step("toFile round trip", () -> fromFile.toFile().equals(file));
        step("equals Path.of", () -> fromFile.equals(Path.of(dir, "a.txt")));
        // A directory's URI: the JDK's provider answers it with new File(uri).toPath(), a default-file-system path.
        step("Path.of(directory URI) is a directory", () -> Files.isDirectory(Path.of(new File(dir).toURI())));
        step("Path.of(file URI) is a file", () -> Files.isRegularFile(Path.of(file.toURI())));
    }

    private static void step(String name, Callable<?> call) {
        String result;
        try {
            result = String.valueOf(call.call());
        } catch (Exception e) {
            result = e.getClass().getName() + ": " + e.getMessage();
        }
        System.out.println(name + " -> " + result.replace(dir, "$DIR").replace("\n", "\\n"));
    }

    private PlainFilesProgram() {}
}
