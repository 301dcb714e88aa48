package io.amibake.engine.store;

import io.amibake.text.Redactor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values of the secret variables of the bakes running in this process, by bake id. They live
 * here, in memory, for as long as the run: amibake never stores them. A resume takes them again
 * from {@code --var}. The job repository and the log file, which cannot tell which bake a line
 * belongs to or see the recipe, redact through this registry.
 */
public final class BakeSecrets {

    private static final Map<String, Map<String, String>> BY_BAKE = new ConcurrentHashMap<>();

    private BakeSecrets() {
    }

    /** Keeps the bake's secret values for its run; empty values are not secrets worth keeping. */
    public static void put(String bakeId, Map<String, String> values) {
        if (values.isEmpty()) {
            return;
        }
        BY_BAKE.put(bakeId, Map.copyOf(values));
        SecretLog.install();
    }

    /** Forgets them at the run's end. */
    public static void remove(String bakeId) {
        BY_BAKE.remove(bakeId);
    }

    /** The bake's secret values known in this process: none outside its run. */
    public static Map<String, String> of(String bakeId) {
        return bakeId == null ? Map.of() : BY_BAKE.getOrDefault(bakeId, Map.of());
    }

    /** Redacts the bake's secrets. */
    public static Redactor redactor(String bakeId) {
        return Redactor.of(of(bakeId));
    }

    /** Redacts the secrets of every bake running in this process. */
    public static Redactor all() {
        Redactor all = Redactor.NONE;
        for (Map<String, String> values : BY_BAKE.values()) {
            all = all.and(Redactor.of(values));
        }
        return all;
    }
}
