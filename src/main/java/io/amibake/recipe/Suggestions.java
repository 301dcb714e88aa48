package io.amibake.recipe;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the candidate a mistyped word was probably meant to be. */
public final class Suggestions {

    private Suggestions() {
    }

    /**
     * The candidate closest to {@code input} by Damerau-Levenshtein distance (optimal string
     * alignment, case-insensitive), when it is close enough to be a typo: at most one edit for
     * words of up to four characters, two up to ten, three beyond. Ties go to the
     * alphabetically first candidate, so the answer never depends on collection order.
     */
    public static Optional<String> closest(String input, Collection<String> candidates) {
        if (input == null || input.isEmpty()) {
            return Optional.empty();
        }
        String needle = input.toLowerCase(Locale.ROOT);
        int limit = needle.length() <= 4 ? 1 : needle.length() <= 10 ? 2 : 3;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            if (candidate.equals(input)) {
                continue;
            }
            int distance = distance(needle, candidate.toLowerCase(Locale.ROOT));
            if (distance <= limit && (distance < bestDistance
                    || distance == bestDistance && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    /** {@code did you mean 'x'?} for the closest candidate, or {@code null}. */
    static String didYouMean(String input, Collection<String> candidates) {
        return closest(input, candidates).map(c -> "did you mean '" + c + "'?").orElse(null);
    }

    /** Damerau-Levenshtein distance, optimal string alignment variant. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
