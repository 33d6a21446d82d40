package dev.kstreams.bench.peer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Command-line options: every option is {@code --name value} or {@code --name=value}. */
final class Args {
    /** A usage error: reported with the usage text, exit code {@link Main#EXIT_USAGE}. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new LinkedHashMap<>();

    static Args parse(String[] argv) throws UsageException {
        Args args = new Args();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (name.equals("help")) {
                    value = "true";
                } else if (i + 1 >= argv.length) {
                    throw new UsageException("option --" + name + " needs a value");
                } else {
                    value = argv[++i];
                }
            }
            if (args.values.put(name, value) != null) {
                throw new UsageException("option --" + name + " given twice");
            }
        }
        return args;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** Fails when an option outside {@code allowed} was given (catches typos in scripts). */
    void allowOnly(String mode, Set<String> allowed) throws UsageException {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(allowed);
        unknown.remove("mode");
        if (!unknown.isEmpty()) {
            throw new UsageException("unknown option(s) for mode " + mode + ": --" + String.join(", --", unknown));
        }
    }

    String required(String name) throws UsageException {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw new UsageException("missing required option --" + name);
        }
        return v;
    }

    String get(String name, String def) {
        String v = values.get(name);
        return v == null ? def : v;
    }

    long getLong(String name, long def, long min) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        return parseLong(name, v, min);
    }

    long requiredLong(String name, long min) throws UsageException {
        return parseLong(name, required(name), min);
    }

    int getInt(String name, int def, int min) throws UsageException {
        return (int) Math.min(Integer.MAX_VALUE, getLong(name, def, min));
    }

    int requiredInt(String name, int min) throws UsageException {
        long v = requiredLong(name, min);
        if (v > Integer.MAX_VALUE) {
            throw new UsageException("--" + name + " " + v + " is too large");
        }
        return (int) v;
    }

    private static long parseLong(String name, String v, long min) throws UsageException {
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
        if (n < min) {
            throw new UsageException("--" + name + " must be >= " + min + ", got " + n);
        }
        return n;
    }
}
